//! `web/openapi.json` is the server's OpenAPI document as the web UI's
//! typed client is generated from it (`npm run gen:api`). This test fails
//! when the file and `openapi_document()` differ, so an API change cannot
//! leave the UI's types behind; `UPDATE_OPENAPI=1 cargo test -p
//! artisync-server --test openapi_file` rewrites the file.

use std::path::PathBuf;

fn expected() -> String {
    let doc = artisync_server::openapi_document();
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => text + "\n",
        Err(e) => panic!("the OpenAPI document does not serialise: {e}"),
    }
}

#[test]
fn web_openapi_json_matches_the_server_document() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/openapi.json");
    let want = expected();
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| v == "1") {
        if let Err(e) = std::fs::write(&path, &want) {
            panic!("cannot write {}: {e}", path.display());
        }
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} differs from artisync_server::openapi_document(); \
         run `UPDATE_OPENAPI=1 cargo test -p artisync-server --test openapi_file` \
         and rebuild the web UI (scripts/build-web)",
        path.display()
    );
}
