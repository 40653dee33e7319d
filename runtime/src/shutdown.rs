//! A core-local shutdown signal: cheap to clone, awaitable, never crosses threads.
//!
//! Every idle connection of a core waits on it, so waiters are kept in a slab and removed
//! when their future is dropped: the list never grows beyond the connections alive now.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct Shutdown {
    inner: Rc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// When the grace period ends; `None` until shutdown starts.
    deadline: Cell<Option<Instant>>,
    waiters: RefCell<Waiters>,
}

#[derive(Default)]
struct Waiters {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Waiters {
    fn insert(&mut self, w: Waker) -> usize {
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(w);
                i
            }
            None => {
                self.slots.push(Some(w));
                self.slots.len() - 1
            }
        }
    }

    fn remove(&mut self, i: usize) {
        if self.slots[i].take().is_some() {
            self.free.push(i);
        }
    }

    #[cfg(test)]
    fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Starts the shutdown and wakes every waiter. Triggering again can only bring the
    /// deadline closer (a second Ctrl+C), never push it back.
    pub fn trigger(&self, grace: Duration) {
        let new = Instant::now() + grace;
        match self.inner.deadline.get() {
            Some(current) if current <= new => {}
            _ => self.inner.deadline.set(Some(new)),
        }
        let wakers: Vec<Waker> = {
            let mut w = self.inner.waiters.borrow_mut();
            w.slots.iter_mut().filter_map(Option::take).collect()
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    pub fn is_triggered(&self) -> bool {
        self.inner.deadline.get().is_some()
    }

    /// The end of the grace period, once shutdown has started.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.deadline.get()
    }

    /// Resolves once shutdown has been triggered.
    pub fn wait(&self) -> WaitShutdown {
        WaitShutdown { shutdown: self.clone(), slot: None }
    }
}

pub struct WaitShutdown {
    shutdown: Shutdown,
    slot: Option<usize>,
}

impl Future for WaitShutdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shutdown.is_triggered() {
            return Poll::Ready(());
        }
        let mut waiters = self.shutdown.inner.waiters.borrow_mut();
        match self.slot {
            Some(i) if waiters.slots[i].is_some() => waiters.slots[i] = Some(cx.waker().clone()),
            _ => {
                let i = waiters.insert(cx.waker().clone());
                drop(waiters);
                self.slot = Some(i);
            }
        }
        Poll::Pending
    }
}

impl Drop for WaitShutdown {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            self.shutdown.inner.waiters.borrow_mut().remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Flag(std::sync::atomic::AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn dropped_waiters_free_their_slot_and_trigger_wakes_the_rest() {
        let s = Shutdown::new();
        let flag = Arc::new(Flag(Default::default()));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        for _ in 0..100 {
            let mut w = Box::pin(s.wait());
            assert!(w.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(s.inner.waiters.borrow().live(), 0);
        assert!(s.inner.waiters.borrow().slots.len() <= 1);
        let mut kept = Box::pin(s.wait());
        assert!(kept.as_mut().poll(&mut cx).is_pending());
        s.trigger(Duration::from_secs(1));
        assert!(flag.0.load(std::sync::atomic::Ordering::SeqCst));
        assert!(kept.as_mut().poll(&mut cx).is_ready());
        let first = s.deadline().unwrap();
        s.trigger(Duration::from_secs(100));
        assert_eq!(s.deadline().unwrap(), first);
        s.trigger(Duration::ZERO);
        assert!(s.deadline().unwrap() < first);
    }
}
