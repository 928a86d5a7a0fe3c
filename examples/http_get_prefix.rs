//! Seed 004, GeeksforGeeks' "Python async", program 9: an asynchronous HTTP GET that prints
//! the first 100 characters of the body.
//!
//! ```python
//! import asyncio
//! import aiohttp
//!
//! async def fetch_data():
//!     async with aiohttp.ClientSession() as session:
//!         async with session.get('https://api.github.com') as response:
//!             data = await response.text()
//!             print(data[:100])  # Print first 100 characters
//!
//! asyncio.run(fetch_data())
//! ```
//!
//! How weft differs: only loopback is reachable (and weft has no TLS), so the JSON comes
//! from an in-process server on weft's streams that answers like the API root; the client is
//! a few lines over `weft::io::open_connection`.
use std::net::SocketAddr;
use std::time::Duration;

/// What the in-process "API" answers: the start of api.github.com's root document.
const API_ROOT: &str = r#"{"current_user_url":"https://api.github.com/user","current_user_authorizations_html_url":"https://github.com/settings/connections/applications{/client_id}","authorizations_url":"https://api.github.com/authorizations","code_search_url":"https://api.github.com/search/code?q={query}{&page,per_page,sort,order}"}"#;

/// GET `path` and return the body as text.
async fn fetch_data(addr: SocketAddr, path: &str) -> std::io::Result<String> {
    let (mut reader, writer) = weft::io::open_connection(addr).await?;
    writer.write(
        format!("GET {path} HTTP/1.1\r\nHost: api.github.local\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )?;
    let head = reader.readuntil(b"\r\n\r\n").await?;
    if !head.starts_with(b"HTTP/1.1 200") {
        return Err(std::io::Error::other("the server did not answer 200 OK"));
    }
    let body = reader.read_to_end().await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Seed delays are multiplied by `scale` (1.0 = the seed's real timing).
pub fn demo(scale: f64) {
    weft::run(async move {
        let server = weft::io::start_server(
            |mut reader, writer| async move {
                if reader.readuntil(b"\r\n\r\n").await.is_ok() {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{API_ROOT}",
                        API_ROOT.len()
                    );
                    let _ = writer.write(response.as_bytes());
                }
            },
            "127.0.0.1:0",
        )
        .await
        .expect("bind a loopback port");
        let addr = server.local_addr().expect("TCP address");
        let data = weft::timeout(secs(50.0, scale.max(0.1)), fetch_data(addr, "/"))
            .await
            .expect("the fetch finished in time")
            .expect("the fetch succeeded");
        let first_100: String = data.chars().take(100).collect();
        println!("{first_100}"); // Print first 100 characters
        assert_eq!(first_100.chars().count(), 100);
        assert!(first_100.starts_with(r#"{"current_user_url""#));
        server.close();
        server.wait_closed().await;
    })
}

fn secs(s: f64, scale: f64) -> Duration {
    Duration::from_secs_f64(s * scale)
}

#[allow(dead_code)]
fn main() {
    demo(
        std::env::var("WEFT_TIME_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.1),
    )
}
