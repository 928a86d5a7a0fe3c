//! `#[weft::main]` and `#[weft::test]`: run an `async fn` on a new weft runtime.
//!
//! Both turn `async fn name() -> T { body }` into a plain `fn name() -> T` that builds a
//! runtime with [`weft::Builder`] and runs the body with `block_on` — what people write by
//! hand in every binary and test otherwise. Options (`worker_threads = N`,
//! `start_paused = true`) map one to one onto `Builder` methods. Mistakes are compile errors
//! that say what to write instead: a function that is not `async`, one that takes
//! arguments, an unknown option or a value of the wrong kind.
//!
//! Use them through the facade (`weft`, feature `macros`, on by default), not directly.
//!
//! Also the expansion behind `weft::select!` (`select_impl`, hidden; see `select.rs` for why
//! it is a proc macro), which weft-executor's `select!` wrapper calls with its `$crate` path.
//!
//! [`weft::Builder`]: https://docs.rs/weft/latest/weft/struct.Builder.html
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod select;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

/// The expansion of `weft::select!`; use that macro, which passes its crate path first.
#[doc(hidden)]
#[proc_macro]
pub fn select_impl(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}

/// Runs `async fn main` on a new multi-threaded weft runtime (one worker per core unless
/// `worker_threads = N` says otherwise); `start_paused = true` starts it on the paused test
/// clock (needs weft's `test-util` feature).
///
/// ```
/// #[weft::main(worker_threads = 2)]
/// async fn main() {
///     let answer = weft::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// # fn call() { main() }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a new weft runtime; the same options as [`macro@main`], and
/// `start_paused = true` runs the test on the paused clock (`weft::time::pause`), so its
/// sleeps and timeouts take no real time (needs weft's `test-util` feature).
///
/// `timeout = "10s"` (also `"500ms"`, `"2m"`) fails a test that runs longer, in real time,
/// with the runtime's task dump: every task, what it waits on and where, and any poll still
/// running.
///
/// ```
/// #[weft::test(timeout = "30s")]
/// async fn finishes_in_time() {
///     weft::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// # fn main() {}
/// ```
///
/// ```
/// #[weft::test(worker_threads = 1)]
/// async fn spawns_and_joins() {
///     assert_eq!(weft::spawn(async { 1 }).await.unwrap(), 1);
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args.into(), item.into()).into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[weft::main]",
            Kind::Test => "#[weft::test]",
        }
    }
}

/// The runtime options an attribute asked for.
#[derive(Default)]
struct Options {
    worker_threads: Option<Expr>,
    start_paused: Option<bool>,
    /// `#[weft::test]` only: the real-time limit, in milliseconds.
    timeout_ms: Option<u64>,
}

fn expand(kind: Kind, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        // Not a function at all: let the compiler's own error speak, with ours beside it.
        Err(err) => {
            let err = err.to_compile_error();
            return quote!(#err #item);
        }
    };
    match options(kind, args).and_then(|options| generate(kind, options, function)) {
        Ok(tokens) => tokens,
        Err(err) => {
            let err = err.to_compile_error();
            quote!(#err #item)
        }
    }
}

fn options(kind: Kind, args: TokenStream2) -> syn::Result<Options> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated
        .parse2(args)
        .map_err(|err| {
            syn::Error::new(
                err.span(),
                format!(
                    "{} takes options as `name = value`, for example \
                     `{}(worker_threads = 2)`",
                    kind.name(),
                    kind.name().trim_end_matches(']')
                ),
            )
        })?;
    let mut options = Options::default();
    for pair in pairs {
        let name = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match name.as_str() {
            "worker_threads" => options.worker_threads = Some(pair.value),
            "start_paused" => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => options.start_paused = Some(b.value),
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "`start_paused` takes `true` or `false`",
                    ));
                }
            },
            "timeout" if kind == Kind::Test => {
                let Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) = &pair.value
                else {
                    return Err(syn::Error::new(
                        pair.value.span(),
                        "`timeout` takes a string such as \"10s\", \"500ms\" or \"2m\"",
                    ));
                };
                options.timeout_ms = Some(
                    parse_duration_ms(&text.value())
                        .map_err(|why| syn::Error::new(text.span(), why))?,
                );
            }
            _ => {
                let shown = pair.path.to_token_stream().to_string();
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!(
                        "unknown option `{shown}` for {}: the options are `worker_threads = N`, \
                         `start_paused = true`{}",
                        kind.name(),
                        if kind == Kind::Test {
                            " and `timeout = \"10s\"`"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
    }
    Ok(options)
}

fn generate(kind: Kind, options: Options, function: ItemFn) -> syn::Result<TokenStream2> {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "{} goes on an `async fn`: write `async fn {}()`",
                kind.name(),
                sig.ident
            ),
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!("{} functions take no arguments", kind.name()),
        ));
    }
    let mut plain = sig.clone();
    plain.asyncness = None;
    let builder = builder(&options, sig.ident.span());
    let test_attr = (kind == Kind::Test).then(|| quote!(#[::core::prelude::v1::test]));
    let what = kind.name();
    if let Some(ms) = options.timeout_ms {
        let name = sig.ident.to_string();
        return Ok(quote! {
            #test_attr
            #(#attrs)*
            #vis #plain {
                let body = async move #block;
                ::weft::__private::run_with_timeout(
                    #builder,
                    body,
                    ::core::time::Duration::from_millis(#ms),
                    ::core::concat!(::core::module_path!(), "::", #name),
                )
            }
        });
    }
    Ok(quote! {
        #test_attr
        #(#attrs)*
        #vis #plain {
            let body = async move #block;
            #builder
                .build()
                .unwrap_or_else(|err| panic!("{}: could not start the weft runtime: {}", #what, err))
                .block_on(body)
        }
    })
}

/// Milliseconds in a duration written as a whole number with a unit: `"10s"`, `"500ms"`,
/// `"2m"`.
fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || {
        format!(
            "cannot read `{text}` as a duration: write a whole number and a unit, such as \
             \"10s\", \"500ms\" or \"2m\""
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err("a test timeout must be longer than zero".to_owned());
    }
    n.checked_mul(scale).ok_or_else(bad)
}

fn builder(options: &Options, span: Span) -> TokenStream2 {
    let mut builder = quote_spanned!(span=> ::weft::Builder::new());
    if let Some(workers) = &options.worker_threads {
        builder = quote!(#builder.worker_threads(#workers));
    }
    if let Some(paused) = options.start_paused {
        builder = quote!(#builder.start_paused(#paused));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(kind: Kind, args: TokenStream2, item: TokenStream2) -> String {
        let out = expand(kind, args, item).to_string();
        assert!(
            out.contains("compile_error"),
            "expected an error, got: {out}"
        );
        out
    }

    #[::core::prelude::v1::test]
    fn a_function_that_is_not_async_is_refused_with_the_fix() {
        let err = error_of(
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
        );
        assert!(
            err.contains("goes on an `async fn`: write `async fn main()`"),
            "{err}"
        );
    }

    #[::core::prelude::v1::test]
    fn an_unknown_option_is_refused_with_the_known_ones() {
        let err = error_of(
            Kind::Test,
            quote!(flavor = "current_thread"),
            quote!(
                async fn t() {}
            ),
        );
        assert!(err.contains("unknown option `flavor`"), "{err}");
        assert!(err.contains("`worker_threads = N`"), "{err}");
    }

    #[::core::prelude::v1::test]
    fn timeouts_read_whole_numbers_with_units() {
        assert_eq!(parse_duration_ms("10s"), Ok(10_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("2m"), Ok(120_000));
        assert!(parse_duration_ms("10").unwrap_err().contains("\"10s\""));
        assert!(parse_duration_ms("1.5s").is_err());
        assert!(parse_duration_ms("0s").is_err());
    }

    #[::core::prelude::v1::test]
    fn a_timeout_on_main_is_refused() {
        let err = error_of(
            Kind::Main,
            quote!(timeout = "10s"),
            quote!(
                async fn main() {}
            ),
        );
        assert!(err.contains("unknown option `timeout`"), "{err}");
    }

    #[::core::prelude::v1::test]
    fn start_paused_takes_a_bool() {
        let err = error_of(
            Kind::Test,
            quote!(start_paused = 1),
            quote!(
                async fn t() {}
            ),
        );
        assert!(
            err.contains("`start_paused` takes `true` or `false`"),
            "{err}"
        );
    }

    #[::core::prelude::v1::test]
    fn arguments_are_refused() {
        let err = error_of(
            Kind::Test,
            quote!(),
            quote!(
                async fn t(x: u8) {}
            ),
        );
        assert!(err.contains("take no arguments"), "{err}");
    }

    #[::core::prelude::v1::test]
    fn options_become_builder_calls_and_tests_get_the_test_attribute() {
        let out = expand(
            Kind::Test,
            quote!(worker_threads = 3, start_paused = true),
            quote!(
                async fn t() -> u8 {
                    1
                }
            ),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("test"), "{out}");
        assert!(out.contains("worker_threads (3)"), "{out}");
        assert!(out.contains("start_paused (true)"), "{out}");
        assert!(out.contains("fn t () -> u8"), "{out}");
    }
}
