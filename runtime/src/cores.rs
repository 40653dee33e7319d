//! Which CPU cores to run on: `FASTERAPI_CORES` / `--cores`.
//!
//! A spec is either a count (`"4"`: the first four cores of the process's affinity mask) or a
//! list of core ids with ranges (`"0-3,6"`). No spec means every core in the affinity mask, so
//! `taskset -c 2,3 fasterapi run ...` does what one expects.

use std::fmt;

/// An ordered, duplicate-free list of CPU ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreSet(Vec<usize>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreSpecError(String);

impl fmt::Display for CoreSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CoreSpecError {}

impl CoreSet {
    /// Every core the process may run on (its affinity mask).
    pub fn available() -> CoreSet {
        let mut ids: Vec<usize> = core_affinity::get_core_ids().unwrap_or_default().into_iter().map(|c| c.id).collect();
        if ids.is_empty() {
            // No affinity information (unusual container setups): fall back to a count.
            let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
            ids = (0..n).collect();
        }
        ids.sort_unstable();
        CoreSet(ids)
    }

    /// Resolves a spec against the cores this process may use.
    pub fn parse(spec: Option<&str>) -> Result<CoreSet, CoreSpecError> {
        Self::parse_within(spec, &Self::available())
    }

    /// Like [`CoreSet::parse`], against an explicit set of available cores (for tests).
    pub fn parse_within(spec: Option<&str>, available: &CoreSet) -> Result<CoreSet, CoreSpecError> {
        let spec = match spec.map(str::trim) {
            None | Some("") => return Ok(available.clone()),
            Some(s) => s,
        };
        let bad = |why: &str| CoreSpecError(format!("invalid core spec {spec:?}: {why}"));

        // A bare number is a count.
        if spec.bytes().all(|b| b.is_ascii_digit()) {
            let n: usize = spec.parse().map_err(|_| bad("not a number"))?;
            if n == 0 {
                return Err(bad("the core count must be at least 1"));
            }
            if n > available.0.len() {
                return Err(bad(&format!(
                    "asked for {n} cores but only {} are available ({})",
                    available.0.len(),
                    available
                )));
            }
            return Ok(CoreSet(available.0[..n].to_vec()));
        }

        let mut ids = Vec::new();
        for part in spec.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(bad("empty item in the list"));
            }
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let lo: usize = lo.parse().map_err(|_| bad(&format!("{part:?} is not a core id or range")))?;
            let hi: usize = hi.parse().map_err(|_| bad(&format!("{part:?} is not a core id or range")))?;
            if lo > hi {
                return Err(bad(&format!("range {part:?} is backwards")));
            }
            for id in lo..=hi {
                if !available.0.contains(&id) {
                    return Err(bad(&format!("core {id} is not available (available: {available})")));
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(CoreSet(ids))
    }

    pub fn ids(&self) -> &[usize] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for CoreSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|id| id.to_string()).collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four() -> CoreSet {
        CoreSet(vec![0, 1, 2, 3])
    }

    #[test]
    fn no_spec_means_every_available_core() {
        assert_eq!(CoreSet::parse_within(None, &four()).unwrap(), four());
        assert_eq!(CoreSet::parse_within(Some(" "), &four()).unwrap(), four());
    }

    #[test]
    fn a_number_is_a_count() {
        assert_eq!(CoreSet::parse_within(Some("2"), &four()).unwrap().ids(), &[0, 1]);
        let odd = CoreSet(vec![2, 5, 7]);
        assert_eq!(CoreSet::parse_within(Some("2"), &odd).unwrap().ids(), &[2, 5]);
    }

    #[test]
    fn lists_and_ranges() {
        let avail = CoreSet((0..8).collect());
        assert_eq!(CoreSet::parse_within(Some("0-3,6"), &avail).unwrap().ids(), &[0, 1, 2, 3, 6]);
        assert_eq!(CoreSet::parse_within(Some("1,1,0-1"), &avail).unwrap().ids(), &[1, 0]);
        assert_eq!(CoreSet::parse_within(Some("0-0"), &avail).unwrap().ids(), &[0]);
        assert_eq!(
            CoreSet::parse_within(Some("3,"), &avail).unwrap_err().to_string(),
            "invalid core spec \"3,\": empty item in the list"
        );
    }

    #[test]
    fn rejects_what_cannot_run() {
        for bad in ["0", "5", "a", "3-1", "0-9", "1,x", "-1"] {
            assert!(CoreSet::parse_within(Some(bad), &four()).is_err(), "{bad} accepted");
        }
        let msg = CoreSet::parse_within(Some("5"), &four()).unwrap_err().to_string();
        assert!(msg.contains("only 4 are available"), "{msg}");
    }
}
