//! State shared by every core: named counters and dicts owned by Rust.
//!
//! Module globals are per core (each core imports the app into its own interpreter), so state
//! that must be the same on every core lives here instead, outside any interpreter. Python
//! sees it through `fasterapi.SharedCounter` / `fasterapi.SharedDict` (`cpython/shared.rs`),
//! which copy values in and out: no Python object is ever stored here, and nothing here
//! knows CPython.
//!
//! * The [registry](counter) maps a name to an `Arc` of its store. It is consulted when a
//!   Python object is constructed (usually once per core, at import), never per operation.
//!   Names live as long as the process.
//! * A [`Counter`] is one `AtomicI64` on its own cache line: `add` is a lock-free
//!   compare-and-swap that refuses to overflow.
//! * A [`SharedDict`] is split into [`STRIPES`] independently locked hash maps, chosen by
//!   the key's hash: two cores contend only when they touch keys of the same stripe at the
//!   same moment, and a lock is held only to move an `Arc` in or out (conversion from and to
//!   Python objects happens outside it).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};

/// A value stored in a [`SharedDict`]: an owned copy of a Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An int beyond 64 bits, as decimal text (exact round trip).
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    /// String keys, in insertion order.
    Dict(Vec<(String, Value)>),
}

/// A named, process-wide 64-bit counter.
#[repr(align(128))] // its own cache line (two, against adjacent-line prefetch)
#[derive(Debug)]
pub struct Counter {
    value: AtomicI64,
    name: String,
}

impl Counter {
    fn new(name: &str) -> Counter {
        Counter { value: AtomicI64::new(0), name: name.to_owned() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds `n` atomically and returns the new value; `None` (and no change) if the result
    /// would not fit in an `i64`.
    pub fn add(&self, n: i64) -> Option<i64> {
        self.value.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| v.checked_add(n)).ok().map(|old| old + n)
    }

    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Acquire)
    }
}

/// Number of independently locked parts of a [`SharedDict`] (32 KiB of stripes per dict).
/// Even uncontended, a lock taken by two cores moves its cache line between them: with 64
/// stripes two threads on disjoint keys got 1.05x (set) / 1.3x (get) the throughput of one,
/// with 256 1.5x / 1.7x (`bench_store`).
pub const STRIPES: usize = 256;

#[repr(align(128))] // one stripe's lock never shares a cache line with another's
#[derive(Default)]
struct Stripe(Mutex<HashMap<String, Arc<Value>>>);

/// Why [`SharedDict::incr`] refused.
#[derive(Debug, PartialEq)]
pub enum IncrError {
    /// The stored value is not an int (or is beyond 64 bits).
    NotInt,
    /// The result would not fit in an `i64`.
    Overflow,
}

/// A named, process-wide dict with `str` keys, sharded by key hash.
pub struct SharedDict {
    name: String,
    /// Chooses the stripe. Independent of the maps' own hashers, so the keys of one stripe
    /// still spread over that map's buckets.
    stripe_hasher: RandomState,
    stripes: Box<[Stripe]>,
}

impl std::fmt::Debug for SharedDict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedDict").field("name", &self.name).finish_non_exhaustive()
    }
}

impl SharedDict {
    fn new(name: &str) -> SharedDict {
        SharedDict {
            name: name.to_owned(),
            stripe_hasher: RandomState::new(),
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn stripe(&self, key: &str) -> MutexGuard<'_, HashMap<String, Arc<Value>>> {
        let i = (self.stripe_hasher.hash_one(key) % STRIPES as u64) as usize;
        // Nothing panics while a stripe is locked except allocation failure; if a panic did
        // poison it, the map itself is still consistent (every update is a single call).
        self.stripes[i].0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn all_stripes(&self) -> impl Iterator<Item = MutexGuard<'_, HashMap<String, Arc<Value>>>> {
        self.stripes.iter().map(|s| s.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn get(&self, key: &str) -> Option<Arc<Value>> {
        self.stripe(key).get(key).cloned()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.stripe(key).contains_key(key)
    }

    /// Stores `value` under `key`, returning the previous value.
    pub fn set(&self, key: &str, value: Value) -> Option<Arc<Value>> {
        let value = Arc::new(value);
        let mut map = self.stripe(key);
        match map.get_mut(key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => map.insert(key.to_owned(), value),
        }
        // the old value is dropped by the caller, after the stripe is unlocked
    }

    pub fn remove(&self, key: &str) -> Option<Arc<Value>> {
        self.stripe(key).remove(key)
    }

    /// The value under `key`, storing `default` first if there is none.
    pub fn setdefault(&self, key: &str, default: Value) -> Arc<Value> {
        let mut map = self.stripe(key);
        if let Some(v) = map.get(key) {
            return v.clone();
        }
        let v = Arc::new(default);
        map.insert(key.to_owned(), v.clone());
        v
    }

    /// Atomically adds `n` to the int under `key` (a missing key counts as 0) and returns
    /// the new value.
    pub fn incr(&self, key: &str, n: i64) -> Result<i64, IncrError> {
        let mut map = self.stripe(key);
        let new = match map.get(key).map(|v| &**v) {
            None => n,
            Some(Value::Int(old)) => old.checked_add(n).ok_or(IncrError::Overflow)?,
            Some(_) => return Err(IncrError::NotInt),
        };
        match map.get_mut(key) {
            // replacing the Arc drops an `Int`: cheap enough to do under the lock
            Some(slot) => *slot = Arc::new(Value::Int(new)),
            None => {
                map.insert(key.to_owned(), Arc::new(Value::Int(new)));
            }
        }
        Ok(new)
    }

    /// Number of entries. Each stripe is counted under its lock, but not all at once: with
    /// concurrent writers the total is a moment's approximation, as for any sharded map.
    pub fn len(&self) -> usize {
        self.all_stripes().map(|m| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, stripe by stripe (each stripe a consistent snapshot; no global order).
    pub fn items(&self) -> Vec<(String, Arc<Value>)> {
        let mut out = Vec::new();
        for m in self.all_stripes() {
            out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }

    pub fn keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in self.all_stripes() {
            out.extend(m.keys().cloned());
        }
        out
    }

    pub fn clear(&self) {
        for mut m in self.all_stripes() {
            // the values are dropped after the stripe is unlocked
            let old = std::mem::take(&mut *m);
            drop(m);
            drop(old);
        }
    }
}

/// Name -> store. A write lock only when a name is used for the first time.
struct Registry {
    counters: RwLock<HashMap<String, Arc<Counter>>>,
    dicts: RwLock<HashMap<String, Arc<SharedDict>>>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry { counters: RwLock::default(), dicts: RwLock::default() })
}

fn lookup<T>(map: &RwLock<HashMap<String, Arc<T>>>, name: &str, new: impl FnOnce(&str) -> T) -> Arc<T> {
    if let Some(found) = map.read().unwrap_or_else(PoisonError::into_inner).get(name) {
        return found.clone();
    }
    map.write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(name.to_owned())
        .or_insert_with(|| Arc::new(new(name)))
        .clone()
}

/// The process-wide counter called `name` (created at 0 on first use).
pub fn counter(name: &str) -> Arc<Counter> {
    lookup(&registry().counters, name, Counter::new)
}

/// The process-wide dict called `name` (created empty on first use). Counters and dicts
/// have separate namespaces.
pub fn dict(name: &str) -> Arc<SharedDict> {
    lookup(&registry().dicts, name, SharedDict::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn same_name_same_store() {
        assert!(Arc::ptr_eq(&counter("t-same"), &counter("t-same")));
        assert!(!Arc::ptr_eq(&counter("t-same"), &counter("t-other")));
        assert!(Arc::ptr_eq(&dict("t-same"), &dict("t-same")));
    }

    #[test]
    fn counter_adds_and_refuses_overflow() {
        let c = counter("t-overflow");
        assert_eq!(c.add(1), Some(1));
        assert_eq!(c.add(-3), Some(-2));
        assert_eq!(c.add(i64::MAX), Some(i64::MAX - 2));
        assert_eq!(c.add(3), None);
        assert_eq!(c.get(), i64::MAX - 2);
        assert_eq!(c.add(i64::MIN), Some(-3));
    }

    #[test]
    fn dict_operations() {
        let d = dict("t-ops");
        assert_eq!(d.get("a"), None);
        assert_eq!(d.set("a", Value::Str("x".into())), None);
        assert_eq!(d.set("a", Value::Int(1)).as_deref(), Some(&Value::Str("x".into())));
        assert!(d.contains("a") && !d.contains("b"));
        assert_eq!(*d.setdefault("a", Value::None), Value::Int(1));
        assert_eq!(*d.setdefault("b", Value::List(vec![])), Value::List(vec![]));
        assert_eq!(d.len(), 2);
        let mut keys = d.keys();
        keys.sort();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(d.incr("a", 41), Ok(42));
        assert_eq!(d.incr("new", 2), Ok(2));
        assert_eq!(d.incr("b", 1), Err(IncrError::NotInt));
        assert_eq!(d.incr("a", i64::MAX), Err(IncrError::Overflow));
        assert_eq!(d.remove("a").as_deref(), Some(&Value::Int(42)));
        assert_eq!(d.remove("a"), None);
        d.clear();
        assert!(d.is_empty());
    }

    #[test]
    fn no_lost_updates_across_threads() {
        const THREADS: i64 = 4;
        const N: i64 = 20_000;
        let c = counter("t-race");
        let d = dict("t-race");
        thread::scope(|s| {
            for t in 0..THREADS {
                let (c, d) = (c.clone(), d.clone());
                s.spawn(move || {
                    for i in 0..N {
                        c.add(1).unwrap();
                        d.incr("shared", 1).unwrap();
                        d.set(&format!("k{t}-{}", i % 100), Value::Int(i));
                    }
                });
            }
        });
        assert_eq!(c.get(), THREADS * N);
        assert_eq!(d.get("shared").as_deref(), Some(&Value::Int(THREADS * N)));
        assert_eq!(d.len() as i64, 1 + THREADS * 100);
    }

    /// The stores alone, without Python: `cargo test --release -p fasterapi-python-bridge
    /// --lib bench_store -- --ignored --nocapture` (run by scripts/bench-shared).
    #[test]
    #[ignore]
    fn bench_store() {
        use std::time::Instant;
        const N: usize = 2_000_000;
        type Op = fn(&Counter, &SharedDict, usize, &[String], &[String]);
        let ops: [(&str, Op); 6] = [
            // touches no shared memory: 2 vs 1 near 2x shows that both CPUs were free
            ("control: local arithmetic, nothing shared", |_, _, i, _, _| {
                std::hint::black_box(std::hint::black_box(i).wrapping_mul(31));
            }),
            ("Counter::add", |c, _, _, _, _| {
                c.add(1);
            }),
            ("SharedDict::set, own keys", |_, d, i, own, _| {
                d.set(&own[i & 63], Value::Int(i as i64));
            }),
            ("SharedDict::get, own keys", |_, d, i, own, _| {
                std::hint::black_box(d.get(&own[i & 63]));
            }),
            ("SharedDict::set, keys shared by all threads", |_, d, i, _, common| {
                d.set(&common[i & 63], Value::Int(i as i64));
            }),
            ("SharedDict::incr, one key for all threads", |_, d, _, _, _| {
                d.incr("hot", 1).unwrap();
            }),
        ];
        println!("\n| operation (Rust, no Python) | 1 thread (ops/s) | 2 threads, total (ops/s) | 2 vs 1 |");
        println!("|---|---:|---:|---:|");
        for (name, op) in ops {
            let mut rates = [0.0f64; 2];
            for (slot, threads) in [1usize, 2].into_iter().enumerate() {
                let (c, d) = (counter("bench-rust"), dict("bench-rust"));
                let best = (0..3)
                    .map(|_| {
                        let barrier = std::sync::Barrier::new(threads);
                        let slowest = thread::scope(|s| {
                            let handles: Vec<_> = (0..threads)
                                .map(|t| {
                                    let (c, d, barrier) = (&c, &d, &barrier);
                                    s.spawn(move || {
                                        let own: Vec<String> = (0..64).map(|i| format!("k{t}-{i}")).collect();
                                        let common: Vec<String> = (0..64).map(|i| format!("common-{i}")).collect();
                                        barrier.wait();
                                        let start = Instant::now();
                                        for i in 0..N {
                                            op(c, d, i, &own, &common);
                                        }
                                        start.elapsed().as_secs_f64()
                                    })
                                })
                                .collect();
                            handles.into_iter().map(|h| h.join().unwrap()).fold(0.0, f64::max)
                        });
                        (N * threads) as f64 / slowest
                    })
                    .fold(0.0, f64::max);
                rates[slot] = best;
            }
            println!("| {name} | {:.1}M | {:.1}M | {:.2}x |", rates[0] / 1e6, rates[1] / 1e6, rates[1] / rates[0]);
        }
    }
}
