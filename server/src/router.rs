//! The router: path templates to per-method targets, compiled once per core at startup.
//!
//! Path matching is matchit's radix tree (static segments win over `{params}`); each path
//! keeps a small table of methods, so a known path with an unknown method is a 405 with an
//! `Allow` header rather than a 404.

use std::fmt;

pub struct Router<T> {
    paths: matchit::Router<usize>,
    entries: Vec<PathEntry<T>>,
}

struct PathEntry<T> {
    template: String,
    methods: Vec<(String, T)>,
    /// The `Allow` header value, kept up to date as methods are added.
    allow: String,
}

/// The outcome of a lookup.
pub enum Lookup<'r, T> {
    Found {
        target: &'r T,
        /// Values as they appear in the looked-up path, in template order.
        params: Vec<(&'r str, String)>,
    },
    MethodNotAllowed {
        allow: &'r str,
    },
    NotFound,
}

#[derive(Debug)]
pub struct RouterError(String);

impl fmt::Display for RouterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RouterError {}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router { paths: matchit::Router::new(), entries: Vec::new() }
    }
}

impl<T> Router<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `method path -> target`. Templates use `{name}` segments and `{name:path}` for a
    /// tail that may contain slashes (FastAPI's converter syntax).
    pub fn insert(&mut self, method: &str, template: &str, target: T) -> Result<(), RouterError> {
        let method = method.to_ascii_uppercase();
        let pattern = to_matchit(template)?;
        let index = match self.paths.at(&pattern).ok().filter(|m| self.entries[*m.value].template == pattern) {
            Some(m) => *m.value,
            None => {
                let index = self.entries.len();
                self.paths
                    .insert(pattern.clone(), index)
                    .map_err(|e| RouterError(format!("route {template:?}: {e}")))?;
                self.entries.push(PathEntry { template: pattern, methods: Vec::new(), allow: String::new() });
                index
            }
        };
        let entry = &mut self.entries[index];
        if entry.methods.iter().any(|(m, _)| *m == method) {
            return Err(RouterError(format!("route {method} {template:?} is declared twice")));
        }
        entry.methods.push((method, target));
        entry.allow = allow_header(&entry.methods);
        Ok(())
    }

    /// Finds the target for `method path`. A HEAD request falls back to the GET target.
    pub fn lookup<'r>(&'r self, method: &str, path: &str) -> Lookup<'r, T> {
        let Ok(m) = self.paths.at(path) else {
            return Lookup::NotFound;
        };
        let entry = &self.entries[*m.value];
        let found = entry.methods.iter().find(|(mm, _)| mm == method).or_else(|| {
            if method == "HEAD" {
                entry.methods.iter().find(|(mm, _)| mm == "GET")
            } else {
                None
            }
        });
        match found {
            Some((_, target)) => Lookup::Found {
                target,
                params: m.params.iter().map(|(k, v)| (param_name(&entry.template, k), v.to_owned())).collect(),
            },
            None => Lookup::MethodNotAllowed { allow: &entry.allow },
        }
    }

    /// For a path that matches nothing: the same path with its trailing slash removed, or
    /// added, if that one matches a route (the target of a 307, as FastAPI answers).
    pub fn slash_redirect(&self, path: &str) -> Option<String> {
        let other = match path.strip_suffix('/') {
            Some("") => return None,
            Some(without) => without.to_owned(),
            None => format!("{path}/"),
        };
        let matches = self.paths.at(&other).is_ok();
        matches.then_some(other)
    }

    pub fn len(&self) -> usize {
        self.entries.iter().map(|e| e.methods.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// matchit hands out parameter names borrowed from the lookup; re-borrow them from the
/// template we own so the lookup result lives as long as the router.
fn param_name<'r>(template: &'r str, name: &str) -> &'r str {
    let plain = format!("{{{name}}}");
    let tail = format!("{{*{name}}}");
    if let Some(at) = template.find(&plain) {
        &template[at + 1..at + 1 + name.len()]
    } else if let Some(at) = template.find(&tail) {
        &template[at + 2..at + 2 + name.len()]
    } else {
        ""
    }
}

fn allow_header<T>(methods: &[(String, T)]) -> String {
    let mut names: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    names.join(", ")
}

/// `{name:path}` -> `{*name}`; other `{name:conv}` converters are not supported yet.
fn to_matchit(template: &str) -> Result<String, RouterError> {
    if !template.starts_with('/') {
        return Err(RouterError(format!("route path {template:?} must start with '/'")));
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| RouterError(format!("route path {template:?} has an unclosed '{{'")))?;
        let inner = &rest[open + 1..close];
        match inner.split_once(':') {
            Some((name, "path")) => {
                if close + 1 != rest.len() {
                    return Err(RouterError(format!("in {template:?}, {{{inner}}} must be the last segment")));
                }
                out.push_str(&format!("{{*{name}}}"));
            }
            Some((_, conv)) => {
                return Err(RouterError(format!("route path {template:?}: unsupported converter {conv:?}")))
            }
            None => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<u32> {
        let mut r = Router::new();
        r.insert("GET", "/users/{user_id}", 1).unwrap();
        r.insert("put", "/users/{user_id}", 2).unwrap();
        r.insert("GET", "/users/me", 3).unwrap();
        r.insert("GET", "/files/{rest:path}", 4).unwrap();
        r.insert("POST", "/items", 5).unwrap();
        r
    }

    fn found(l: Lookup<'_, u32>) -> (u32, Vec<(String, String)>) {
        match l {
            Lookup::Found { target, params } => (*target, params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
            Lookup::MethodNotAllowed { allow } => panic!("405 {allow}"),
            Lookup::NotFound => panic!("404"),
        }
    }

    #[test]
    fn matches_params_statics_and_tails() {
        let r = router();
        assert_eq!(found(r.lookup("GET", "/users/42")), (1, vec![("user_id".into(), "42".into())]));
        assert_eq!(found(r.lookup("PUT", "/users/42")).0, 2);
        assert_eq!(found(r.lookup("GET", "/users/me")).0, 3);
        assert_eq!(found(r.lookup("GET", "/files/a/b.txt")), (4, vec![("rest".into(), "a/b.txt".into())]));
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn head_falls_back_to_get() {
        let r = router();
        assert_eq!(found(r.lookup("HEAD", "/users/1")).0, 1);
    }

    #[test]
    fn wrong_method_is_405_with_allow_and_unknown_path_is_404() {
        let r = router();
        match r.lookup("DELETE", "/users/1") {
            Lookup::MethodNotAllowed { allow } => assert_eq!(allow, "GET, PUT, HEAD"),
            _ => panic!("expected 405"),
        }
        match r.lookup("GET", "/items") {
            Lookup::MethodNotAllowed { allow } => assert_eq!(allow, "POST"),
            _ => panic!("expected 405"),
        }
        assert!(matches!(r.lookup("GET", "/nope"), Lookup::NotFound));
        assert!(matches!(r.lookup("GET", "/users/1/x"), Lookup::NotFound));
    }

    #[test]
    fn trailing_slash_redirect_targets() {
        let mut r = router();
        r.insert("GET", "/dir/", 9).unwrap();
        assert_eq!(r.slash_redirect("/items/").as_deref(), Some("/items"));
        assert_eq!(r.slash_redirect("/dir").as_deref(), Some("/dir/"));
        assert_eq!(r.slash_redirect("/nope/"), None);
        assert_eq!(r.slash_redirect("/"), None);
    }

    #[test]
    fn rejects_bad_templates_and_duplicates() {
        let mut r = router();
        assert!(r.insert("GET", "/users/{user_id}", 9).is_err());
        assert!(r.insert("GET", "no-slash", 9).is_err());
        assert!(r.insert("GET", "/a/{x", 9).is_err());
        assert!(r.insert("GET", "/a/{x:int}", 9).is_err());
        assert!(r.insert("GET", "/a/{x:path}/b", 9).is_err());
    }
}
