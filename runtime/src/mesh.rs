//! The SPSC mesh: one bounded lock-free ring per ordered pair of cores.
//!
//! Core `i` owns the producer end of ring `i -> j` and the consumer end of ring `j -> i` for
//! every other core `j`, so no ring ever has two writers or two readers and nothing here takes
//! a lock. Control traffic is tiny and rare, so cores poll their inbound rings on a timer
//! tick instead of paying for cross-thread wake-ups on the request path.

use rtrb::{Consumer, Producer, RingBuffer};
use std::time::Duration;

use crate::launch::CoreStats;

/// Messages between cores (and from the controller thread to the leader core).
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// Stop accepting, finish in-flight work within `grace`, then exit.
    Shutdown { grace: Duration },
    /// A core's final counters, sent to the leader (core index 0) when it stops.
    Stats { from: usize, stats: CoreStats },
}

/// Capacity of each ring. Control messages are a handful per run; 64 leaves room for bursts.
const RING_CAPACITY: usize = 64;

/// All rings of an `n`-core mesh, before they are handed out to the cores.
pub struct Mesh {
    endpoints: Vec<Option<MeshEndpoint>>,
}

/// One core's ends of the mesh.
pub struct MeshEndpoint {
    index: usize,
    outbound: Vec<Option<Producer<Control>>>,
    inbound: Vec<Option<Consumer<Control>>>,
}

impl Mesh {
    pub fn new(n: usize) -> Mesh {
        let mut outbound: Vec<Vec<Option<Producer<Control>>>> =
            (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        let mut inbound: Vec<Vec<Option<Consumer<Control>>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
        for from in 0..n {
            for to in 0..n {
                if from != to {
                    let (tx, rx) = RingBuffer::new(RING_CAPACITY);
                    outbound[from][to] = Some(tx);
                    inbound[to][from] = Some(rx);
                }
            }
        }
        let endpoints = outbound
            .into_iter()
            .zip(inbound)
            .enumerate()
            .map(|(index, (outbound, inbound))| Some(MeshEndpoint { index, outbound, inbound }))
            .collect();
        Mesh { endpoints }
    }

    /// Takes core `index`'s endpoint; each can be taken once.
    pub fn take(&mut self, index: usize) -> MeshEndpoint {
        self.endpoints[index].take().expect("mesh endpoint taken twice")
    }
}

impl MeshEndpoint {
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn peers(&self) -> usize {
        self.outbound.len().saturating_sub(1)
    }

    /// Sends to core `to`. Returns the message back if that ring is full or the peer is gone.
    pub fn send(&mut self, to: usize, msg: Control) -> Result<(), Control> {
        match self.outbound.get_mut(to).and_then(Option::as_mut) {
            Some(tx) if !tx.is_abandoned() => tx.push(msg).map_err(|rtrb::PushError::Full(m)| m),
            _ => Err(msg),
        }
    }

    /// Sends a copy of `msg` to every other core; returns how many rings accepted it.
    pub fn broadcast(&mut self, msg: &Control) -> usize {
        let me = self.index;
        (0..self.outbound.len()).filter(|&to| to != me && self.send(to, msg.clone()).is_ok()).count()
    }

    /// Drains every inbound ring, calling `f` for each message.
    pub fn drain(&mut self, mut f: impl FnMut(Control)) {
        for rx in self.inbound.iter_mut().flatten() {
            while let Ok(msg) = rx.pop() {
                f(msg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ordered_pair_has_its_own_ring() {
        let mut mesh = Mesh::new(3);
        let mut a = mesh.take(0);
        let mut b = mesh.take(1);
        let mut c = mesh.take(2);
        assert_eq!(a.peers(), 2);
        a.send(1, Control::Shutdown { grace: Duration::from_secs(1) }).unwrap();
        c.send(1, Control::Stats { from: 2, stats: CoreStats { accepted: 1, handled: 2 } }).unwrap();
        let mut got = Vec::new();
        b.drain(|m| got.push(m));
        assert_eq!(got.len(), 2);
        let mut none = Vec::new();
        a.drain(|m| none.push(m));
        c.drain(|m| none.push(m));
        assert!(none.is_empty());
        // Sending to oneself is not a thing.
        assert!(a.send(0, Control::Shutdown { grace: Duration::ZERO }).is_err());
    }

    #[test]
    fn broadcast_reaches_all_peers_across_threads() {
        let mut mesh = Mesh::new(4);
        let mut leader = mesh.take(0);
        let others: Vec<MeshEndpoint> = (1..4).map(|i| mesh.take(i)).collect();
        assert_eq!(leader.broadcast(&Control::Shutdown { grace: Duration::from_millis(5) }), 3);
        let handles: Vec<_> = others
            .into_iter()
            .map(|mut ep| {
                std::thread::spawn(move || {
                    let mut seen = 0;
                    ep.drain(|m| {
                        assert!(matches!(m, Control::Shutdown { .. }));
                        seen += 1;
                    });
                    ep.send(0, Control::Stats { from: ep.index(), stats: CoreStats::default() }).unwrap();
                    seen
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 1);
        }
        let mut from = Vec::new();
        leader.drain(|m| {
            if let Control::Stats { from: f, .. } = m {
                from.push(f)
            }
        });
        from.sort();
        assert_eq!(from, vec![1, 2, 3]);
    }

    #[test]
    fn a_full_ring_hands_the_message_back() {
        let mut mesh = Mesh::new(2);
        let mut a = mesh.take(0);
        let _b = mesh.take(1);
        for _ in 0..RING_CAPACITY {
            a.send(1, Control::Shutdown { grace: Duration::ZERO }).unwrap();
        }
        assert!(a.send(1, Control::Shutdown { grace: Duration::ZERO }).is_err());
    }
}
