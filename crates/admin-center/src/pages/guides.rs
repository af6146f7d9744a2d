//! Settings > Automate user management > a set-up guide (full admins only): the Okta, Microsoft
//! Entra ID and OneLogin guides of `docs/idp/`, compiled into the binary and rendered as a page
//! of the admin center, for the product app whose settings link here. A customer's IT admin has
//! the admin center, not the rosterd repository.
//!
//! The guide is the repository's markdown, rendered with `pulldown-cmark` (tables on): its first
//! heading becomes the page's `h1`, the others get GitHub-style ids so the guides' own
//! `#4-push-groups` links work, and the example SCIM base URL it says to paste
//! (`https://rosterd.example.com/scim/acme/<product>/v2`) becomes this tenant's URL for this
//! product. The page also shows that URL on its own, above the guide.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use rosterd_domain::Product;

use crate::AdminState;
use crate::auth::{FullAdmin, Section};
use crate::error::AdminError;
use crate::render::page;

/// Each guide: its address (`…/guides/{idp}`), the identity provider's name, its markdown.
const GUIDES: [(&str, &str, &str); 3] = [
    ("okta", "Okta", include_str!("../../../../docs/idp/okta.md")),
    (
        "entra-id",
        "Microsoft Entra ID",
        include_str!("../../../../docs/idp/entra-id.md"),
    ),
    (
        "onelogin",
        "OneLogin",
        include_str!("../../../../docs/idp/onelogin.md"),
    ),
];

/// How the guides write the example host and tenant of a SCIM base URL.
const EXAMPLE_BASE: &str = "https://rosterd.example.com/scim/acme/";

#[derive(Template)]
#[template(path = "settings/guide.html")]
struct GuidePage {
    chrome: crate::render::Chrome,
    heading: String,
    idp: &'static str,
    product: &'static str,
    scim_base_url: String,
    /// The app's OAuth token endpoint, for the guides whose IdP uses client credentials.
    token_endpoint: Option<String>,
    settings: String,
    /// The guide as HTML, from the compiled-in markdown.
    body: String,
}

/// `GET /admin/{tenant}/settings/scim/{product}/guides/{idp}`.
pub async fn show(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product, idp)): Path<(String, String, String)>,
) -> Result<Response, AdminError> {
    let product: Product = product.parse().map_err(|_| AdminError::NotFound)?;
    let (_, name, markdown) = GUIDES
        .iter()
        .find(|(slug, _, _)| *slug == idp)
        .ok_or(AdminError::NotFound)?;
    let scim_base_url = format!("{}/scim/{}/{product}/v2", state.public_url, who.tenant.slug);
    let token_endpoint = crate::pages::oauth_clients::token_endpoint(&state, &who, product);
    let (heading, body) = render(markdown, &scim_base_url, &token_endpoint);
    Ok(page(
        StatusCode::OK,
        &GuidePage {
            chrome: who.chrome(
                format!("{name} set-up guide: {}", product.display_name()),
                Section::Settings,
            ),
            heading,
            idp: name,
            product: product.display_name(),
            scim_base_url,
            // Entra ID's gallery app signs in with OAuth client credentials.
            token_endpoint: (idp == "entra-id").then_some(token_endpoint),
            settings: format!("{}/settings/scim/{product}", who.base()),
            body,
        },
    ))
}

/// The guide's first heading (as text) and the rest as HTML, with every example SCIM base URL
/// and token endpoint replaced by this app's.
fn render(markdown: &str, scim_base_url: &str, token_endpoint: &str) -> (String, String) {
    let markdown = fill_in(markdown, scim_base_url, token_endpoint);
    let mut events: Vec<Event<'_>> = Parser::new_ext(&markdown, Options::ENABLE_TABLES).collect();
    let mut title = String::new();
    // The `h1` is the page's own; the others get ids from their text.
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level = *level;
            let end = events[i..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                .map_or(events.len(), |n| i + n);
            let text: String = events[i + 1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            if level == HeadingLevel::H1 && title.is_empty() {
                title = text;
                events.drain(i..=end.min(events.len() - 1));
                continue;
            }
            events[i] = Event::Start(Tag::Heading {
                level,
                id: Some(anchor(&text).into()),
                classes: Vec::new(),
                attrs: Vec::new(),
            });
        }
        i += 1;
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // Tables look like the admin center's and scroll on their own when wide.
    let html = html
        .replace(
            "<table>",
            "<div class=\"table-scroll\"><table class=\"table\">",
        )
        .replace("</table>", "</table></div>");
    (title, html)
}

/// The markdown with each example base URL (`https://rosterd.example.com/scim/acme/<product>/v2`)
/// replaced by this tenant's URL for this product, and each example token endpoint
/// (`…/scim/acme/<product>/oauth/token`) by this app's.
fn fill_in(markdown: &str, scim_base_url: &str, token_endpoint: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find(EXAMPLE_BASE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + EXAMPLE_BASE.len()..];
        let product_end = after.find('/').unwrap_or(after.len());
        let is_product = after[..product_end].parse::<Product>().is_ok();
        let tail = &after[product_end..];
        let replaced = [("/v2", scim_base_url), ("/oauth/token", token_endpoint)]
            .into_iter()
            .find(|(suffix, _)| is_product && tail.starts_with(suffix));
        match replaced {
            Some((suffix, url)) => {
                out.push_str(url);
                rest = &tail[suffix.len()..];
            }
            None => {
                out.push_str(EXAMPLE_BASE);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A heading's id as GitHub makes it: lower case, spaces to `-`, other punctuation dropped.
fn anchor(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://id.globex.example/scim/globex/learning/v2";
    const TOKEN_URL: &str = "https://id.globex.example/scim/globex/learning/oauth/token";

    #[test]
    fn each_guide_renders_with_its_title_anchors_and_this_tenants_url() {
        for (slug, name, markdown) in GUIDES {
            let (title, html) = render(markdown, URL, TOKEN_URL);
            assert!(
                title.contains(name.rsplit(' ').next().unwrap()),
                "{slug}: {title}"
            );
            assert!(!html.contains("<h1"), "{slug}: the page has its own h1");
            assert!(
                html.contains("<h2 id=\"1-"),
                "{slug}: numbered sections get ids"
            );
            assert!(html.contains(URL), "{slug}: the tenant's URL is filled in");
            if slug == "entra-id" {
                assert!(
                    html.contains(TOKEN_URL),
                    "{slug}: the token endpoint is filled in"
                );
            }
            assert!(
                !html.contains("rosterd.example.com/scim/acme/learning/oauth"),
                "{slug}"
            );
            assert!(
                !html.contains("rosterd.example.com/scim/acme/learning"),
                "{slug}: an example URL is left"
            );
            assert!(html.contains("<table class=\"table\">"), "{slug}");
            // Every in-page link has its target.
            for link in html.split("href=\"#").skip(1) {
                let target = &link[..link.find('"').unwrap()];
                assert!(
                    html.contains(&format!("id=\"{target}\"")),
                    "{slug}: no section #{target}"
                );
            }
        }
    }

    #[test]
    fn only_example_urls_of_a_product_are_replaced() {
        let md = "a https://rosterd.example.com/scim/acme/sales-navigator/v2 b \
                  https://rosterd.example.com/scim/acme/<product>/v2 c \
                  https://rosterd.example.com/scim/acme/learning/oauth/token d \
                  https://rosterd.example.com/scim/acme/learning/other e";
        assert_eq!(
            fill_in(md, URL, TOKEN_URL),
            format!(
                "a {URL} b https://rosterd.example.com/scim/acme/<product>/v2 c {TOKEN_URL} d \
                 https://rosterd.example.com/scim/acme/learning/other e"
            )
        );
    }

    #[test]
    fn anchors_are_github_style() {
        assert_eq!(anchor("4. Push Groups"), "4-push-groups");
        assert_eq!(
            anchor("1. Get the SCIM base URL and a token from rosterd"),
            "1-get-the-scim-base-url-and-a-token-from-rosterd"
        );
    }
}
