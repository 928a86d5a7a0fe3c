//! The expansion behind `weft::select!` (the documented macro is the `macro_rules!` wrapper in
//! weft-executor, which passes its `$crate` path as the first, parenthesized, token tree).
//!
//! Why a proc macro: tokio's semantics disable a branch whose output does not match its
//! pattern, which needs a test of the pattern that does not move the output. Matching
//! `&output` against the user's pattern, as a `macro_rules!` must, is an error in edition 2024
//! as soon as the pattern says `mut x`, `ref x` or `&x` (binding modifiers are refused under a
//! by-reference default binding mode). Here the pattern is parsed, and its test copy has those
//! modifiers stripped; the branch body still binds through the pattern as written. Parsing
//! also gives errors that point at the broken branch instead of at a `macro_rules!` arm.
//!
//! The expansion, for branches `0..n`: every future expression is evaluated in order and
//! pinned on the stack (no allocation, no `Send`/`Unpin` needed, borrows allowed); a
//! `poll_fn` polls the branches not yet disabled, from a random start unless `biased;`, and
//! returns the first output that matches its branch's pattern, wrapped in a local enum with
//! one variant per branch. That block ends there, so every future — the losers included — is
//! dropped before the winning body runs, and the body can use what the futures borrowed.
//! Bodies run outside any loop or closure of ours: `break`, `continue`, `return` and `?` in
//! them mean what they mean around the `select!`.

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

/// Branches beyond this need a wider mask than the `u64` the expansion keeps.
const MAX_BRANCHES: usize = 64;

struct Branch {
    pat: Pat,
    future: Expr,
    body: Expr,
}

struct Select {
    krate: TokenStream2,
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

impl Parse for Select {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let krate;
        syn::parenthesized!(krate in input);
        let krate: TokenStream2 = krate.parse()?;
        let biased = if input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
            true
        } else {
            false
        };
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let token: Token![else] = input.parse()?;
                if otherwise.is_some() {
                    return Err(syn::Error::new(
                        token.span,
                        "select! takes at most one `else => ...` branch",
                    ));
                }
                input.parse::<Token![=>]>()?;
                otherwise = Some(parse_body(input)?);
                continue;
            }
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected `=` after the pattern: a select! branch is `pattern = future => body`",
                )
            })?;
            let future: Expr = input.parse()?;
            input.parse::<Token![=>]>().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected `=>` after the future: a select! branch is `pattern = future => body`",
                )
            })?;
            let body = parse_body(input)?;
            branches.push(Branch { pat, future, body });
        }
        if branches.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "select! needs at least one `pattern = future => body` branch",
            ));
        }
        if branches.len() > MAX_BRANCHES {
            return Err(syn::Error::new(
                branches[MAX_BRANCHES].pat.span(),
                format!("select! takes at most {MAX_BRANCHES} branches"),
            ));
        }
        Ok(Select {
            krate,
            biased,
            branches,
            otherwise,
        })
    }
}

/// A branch body and the comma after it, which a block-like body may leave out (as in
/// `match`).
fn parse_body(input: ParseStream) -> syn::Result<Expr> {
    let body: Expr = input.parse()?;
    let block_like = matches!(
        body,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
    );
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !block_like {
        return Err(syn::Error::new(
            body.span(),
            "expected `,` after this select! branch body",
        ));
    }
    Ok(body)
}

/// The pattern with binding modifiers and reference patterns removed, to test `&output`
/// without moving it: `Some(mut x)` → `Some(x)`, `&(ref a, b)` → `(a, b)`.
fn test_pattern(pat: &Pat) -> Pat {
    let mut pat = pat.clone();
    strip(&mut pat);
    pat
}

fn strip(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                strip(sub);
            }
        }
        Pat::Reference(reference) => {
            let mut inner = (*reference.pat).clone();
            strip(&mut inner);
            *pat = inner;
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(strip),
        Pat::Paren(paren) => strip(&mut paren.pat),
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(strip),
        Pat::Struct(strukt) => strukt.fields.iter_mut().for_each(|f| strip(&mut f.pat)),
        Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(strip),
        Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(strip),
        Pat::Type(typed) => strip(&mut typed.pat),
        _ => {}
    }
}

pub(crate) fn expand(input: TokenStream2) -> TokenStream2 {
    let select = match syn::parse2::<Select>(input) {
        Ok(select) => select,
        Err(err) => return err.to_compile_error(),
    };
    let krate = &select.krate;
    let n = select.branches.len();
    let n_u32 = n as u32;
    let span = Span::mixed_site();
    let out_enum = quote_spanned!(span=> __WeftSelectOutput);
    let disabled = quote_spanned!(span=> __weft_disabled);
    let variants: Vec<_> = (0..n).map(|i| format_ident!("_{}", i)).collect();
    let generics: Vec<_> = (0..n).map(|i| format_ident!("T{}", i)).collect();
    let futures: Vec<_> = (0..n)
        .map(|i| proc_macro2::Ident::new(&format!("__weft_future_{i}"), span))
        .collect();

    let pins = select.branches.iter().zip(&futures).map(|(branch, name)| {
        let future = &branch.future;
        quote_spanned!(future.span()=> let mut #name = ::core::pin::pin!(#future);)
    });

    let arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let name = &futures[i];
        let variant = &variants[i];
        let check = test_pattern(&branch.pat);
        let bit = 1u64 << i;
        let index = i as u32;
        quote_spanned! {span=>
            #index => {
                if #disabled & #bit != 0 {
                    continue;
                }
                if let ::core::task::Poll::Ready(output) =
                    ::core::future::Future::poll(#name.as_mut(), cx)
                {
                    // Finished: never polled again, whether or not it matches.
                    #disabled |= #bit;
                    #[allow(unused_variables, unreachable_patterns)]
                    let matched = match &output {
                        #check => true,
                        _ => false,
                    };
                    if matched {
                        return ::core::task::Poll::Ready(#out_enum::#variant(output));
                    }
                }
            }
        }
    });

    let all: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    let start = if select.biased {
        quote_spanned!(span=> 0u32)
    } else {
        quote_spanned!(span=> #krate::__select_support::random_start(#n_u32))
    };

    let handlers = select.branches.iter().enumerate().map(|(i, branch)| {
        let variant = &variants[i];
        let pat = &branch.pat;
        let body = &branch.body;
        quote! { #out_enum::#variant(#pat) => #body, }
    });
    // The last arm is `_`, not `Disabled`: with every branch pattern irrefutable a `_` arm
    // after `Disabled` would be an unreachable pattern in the user's crate.
    let otherwise = match &select.otherwise {
        Some(body) => quote! { _ => #body, },
        None => quote_spanned! {span=>
            _ => ::core::panic!(
                "all branches of this select! are disabled (their futures finished with outputs their patterns did not match) and it has no `else` branch"
            ),
        },
    };

    quote_spanned! {span=>
        {
            #[allow(non_camel_case_types, dead_code)]
            enum #out_enum<#(#generics,)*> {
                #(#variants(#generics),)*
                Disabled,
            }
            let __weft_output = {
                #(#pins)*
                let mut #disabled: u64 = 0;
                ::core::future::poll_fn(|cx: &mut ::core::task::Context<'_>| {
                    let start: u32 = #start;
                    for offset in 0..#n_u32 {
                        // start < n and offset < n: one subtraction wraps it, no division.
                        let mut branch = start + offset;
                        if branch >= #n_u32 {
                            branch -= #n_u32;
                        }
                        match branch {
                            #(#arms)*
                            _ => ::core::unreachable!(),
                        }
                    }
                    if #disabled == #all {
                        ::core::task::Poll::Ready(#out_enum::Disabled)
                    } else {
                        ::core::task::Poll::Pending
                    }
                })
                .await
            };
            match __weft_output {
                #(#handlers)*
                #otherwise
            }
        }
    }
}
