//! The web app's files, compiled in from `api/web/`.

/// One file of the web app.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../../web/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

pub const SHOP_PAGE: Asset = asset!("shop.html", "text/html; charset=utf-8");
pub const OWNER_PAGE: Asset = asset!("owner.html", "text/html; charset=utf-8");
pub const NOT_FOUND: Asset = asset!("not-found.html", "text/html; charset=utf-8");

/// Files anyone may fetch: the shop's script, the shared code, the style.
pub const PUBLIC: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("common.js", JS),
    asset!("shop.js", JS),
    asset!("icon.svg", "image/svg+xml"),
];

/// Files only a logged-in owner is given.
pub const OWNER: &[Asset] = &[asset!("owner.js", JS), asset!("charts.js", JS)];
