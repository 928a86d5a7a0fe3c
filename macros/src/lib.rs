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
//! [`weft::Builder`]: https://docs.rs/weft/latest/weft/struct.Builder.html
#![warn(missing_docs, missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

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
            _ => {
                let shown = pair.path.to_token_stream().to_string();
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!(
                        "unknown option `{shown}` for {}: the options are `worker_threads = N` \
                         and `start_paused = true`",
                        kind.name()
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
