//! weft with the web stack, TLS and tokio-only crates: integration tests (`tests/`) and
//! examples (`examples/`), in a package of their own (not published).
//!
//! The facade's dev-dependencies are compiled for every one of its examples and tests, and
//! `cargo run --release --example tour` must stay a fast first build. So everything that
//! needs a heavy crate lives here: axum and WebSockets, hyper-util's pooled client, rustls
//! with certificates made by rcgen, `tracing-subscriber`, and the tokio-only crates run
//! through `tokio-compat` (reqwest, tonic, tokio-util). This library is empty.
//!
//! All of it sits behind the `ecosystem` feature, so `cargo test --workspace` builds none of
//! it: `cargo test -p weft-integration --features ecosystem` runs the tests, and
//! `cargo run -p weft-integration --features ecosystem --example hyper_server` an example.
