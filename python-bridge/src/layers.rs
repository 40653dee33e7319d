//! The app's declarative middleware, as the server's [`LayerSpec`]s. The Python side
//! (`fasterapi/middleware/`, `LoadedApp.native_layers`) describes them as one JSON document —
//! a list, outermost first, of `{"kind": "cors" | "gzip" | "trusted_host" | "https_redirect",
//! ...options}` — read once in the main interpreter before the cores start.

use serde_json::Value;
use server::layers::{CorsSpec, GZipSpec, TrustedHostSpec};
use server::LayerSpec;

pub fn parse(json: &str) -> Result<Vec<LayerSpec>, String> {
    let bad = |e: String| format!("native_layers: {e}");
    let value: Value = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let Value::Array(items) = value else { return Err(bad("must be a JSON list".into())) };
    items.iter().map(|item| spec(item).map_err(bad)).collect()
}

fn spec(item: &Value) -> Result<LayerSpec, String> {
    let kind = item.get("kind").and_then(Value::as_str).ok_or("each layer needs a \"kind\"")?;
    Ok(match kind {
        "cors" => LayerSpec::Cors(CorsSpec {
            allow_origins: strings(item, "allow_origins")?,
            allow_methods: strings(item, "allow_methods")?,
            allow_headers: strings(item, "allow_headers")?,
            allow_credentials: flag(item, "allow_credentials")?,
            allow_origin_regex: match item.get("allow_origin_regex") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("cors allow_origin_regex must be a string or null".into()),
            },
            allow_private_network: flag(item, "allow_private_network")?,
            expose_headers: strings(item, "expose_headers")?,
            max_age: number(item, "max_age")?,
        }),
        "gzip" => LayerSpec::GZip(GZipSpec {
            minimum_size: usize::try_from(number(item, "minimum_size")?)
                .map_err(|_| "gzip minimum_size must be >= 0".to_owned())?,
            compresslevel: u32::try_from(number(item, "compresslevel")?)
                .map_err(|_| "gzip compresslevel must be 0..9".to_owned())?,
            exclude_content_types: strings(item, "exclude_content_types")?,
        }),
        "trusted_host" => LayerSpec::TrustedHost(TrustedHostSpec {
            allowed_hosts: strings(item, "allowed_hosts")?,
            www_redirect: flag(item, "www_redirect")?,
        }),
        "https_redirect" => LayerSpec::HttpsRedirect,
        other => return Err(format!("unknown layer kind {other:?}")),
    })
}

fn strings(item: &Value, key: &str) -> Result<Vec<String>, String> {
    let list = item.get(key).and_then(Value::as_array).ok_or_else(|| format!("{key} must be a list of strings"))?;
    list.iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| format!("{key} must be a list of strings")))
        .collect()
}

fn flag(item: &Value, key: &str) -> Result<bool, String> {
    item.get(key).and_then(Value::as_bool).ok_or_else(|| format!("{key} must be true or false"))
}

fn number(item: &Value, key: &str) -> Result<i64, String> {
    item.get(key).and_then(Value::as_i64).ok_or_else(|| format!("{key} must be an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let specs = parse(
            r#"[{"kind":"cors","allow_origins":["*"],"allow_methods":["GET"],"allow_headers":[],
                 "allow_credentials":false,"allow_origin_regex":null,"allow_private_network":false,
                 "expose_headers":[],"max_age":600},
                {"kind":"gzip","minimum_size":500,"compresslevel":9,"exclude_content_types":[]},
                {"kind":"trusted_host","allowed_hosts":["a.com"],"www_redirect":true},
                {"kind":"https_redirect"}]"#,
        )
        .unwrap();
        assert_eq!(specs.len(), 4);
        assert!(matches!(specs[3], LayerSpec::HttpsRedirect));
    }

    #[test]
    fn refuses_bad_specs() {
        assert!(parse("{}").unwrap_err().contains("list"));
        assert!(parse(r#"[{"kind":"nope"}]"#).unwrap_err().contains("unknown layer kind"));
        assert!(parse(r#"[{"kind":"gzip","minimum_size":-1,"compresslevel":9,"exclude_content_types":[]}]"#).is_err());
    }
}
