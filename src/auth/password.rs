//! Argon2id password hashing on a small pool of its own threads, with a bound on how
//! many hashes wait so a login storm is refused quickly (`Busy`, answered 503 with
//! `Retry-After`) instead of queueing without end.
//!
//! The threads run at a lower scheduling priority than the rest of the server, so a
//! login storm takes only the CPU that saves and starts leave free, and each reuses one
//! block of argon2 memory (19 MiB at OWASP's parameters) instead of allocating it per
//! hash: the allocator would otherwise keep a freed copy per thread arena.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::phc::{Output, ParamsString, Salt},
};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, oneshot};

use crate::config::AuthSettings;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    pool: Arc<HashPool>,
    /// A hash of nothing in particular, verified when an account does not exist so a
    /// failed login takes as long either way.
    dummy_hash: Arc<String>,
    /// How long a request waits for a hashing thread before it is refused (`Busy`).
    queue_wait: std::time::Duration,
    /// Requests that may wait at once; more are refused at once, before any other work.
    max_waiting: usize,
}

/// A sign-in on its way to the hashing queue; see [`PasswordHasher::enter`].
pub struct Entered(Arc<HashPool>);

impl Drop for Entered {
    fn drop(&mut self) {
        self.0.entered.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Requests that may wait per hashing thread: about a second's worth at OWASP's cost.
const WAITING_PER_THREAD: usize = 16;

/// The hashing queue is full: the caller answers 503 with `Retry-After` rather than
/// letting requests wait without end.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking passwords; try again shortly")]
pub struct Busy;

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Threads that only hash passwords, each with its own reusable argon2 memory.
struct HashPool {
    jobs: Mutex<mpsc::Sender<Job>>,
    waiting: AtomicUsize,
    /// Sign-ins between their arrival and their hash (see [`PasswordHasher::enter`]).
    entered: AtomicUsize,
}

/// Niceness of the hashing threads: logins yield the CPU to exams in progress.
const HASH_NICENESS: i32 = 10;

impl HashPool {
    fn start(threads: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    if let Err(e) = rustix::process::setpriority_process(
                        Some(rustix::thread::gettid()),
                        HASH_NICENESS,
                    ) {
                        tracing::debug!(error = %e, "cannot lower the hashing thread's priority");
                    }
                    let mut memory = Vec::new();
                    loop {
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self {
            jobs: Mutex::new(sender),
            waiting: AtomicUsize::new(0),
            entered: AtomicUsize::new(0),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = reply.send(work(memory));
        });
        self.jobs
            .lock()
            .map_err(|_| anyhow::anyhow!("the hashing pool is gone"))?
            .send(job)
            .map_err(|_| anyhow::anyhow!("the hashing pool is gone"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("a hashing thread stopped"))
    }
}

impl PasswordHasher {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let threads = match settings.max_concurrent_hashes {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let dummy_hash = hash_with(&params, "a password nobody has", &mut Vec::new())?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(threads)),
            pool: Arc::new(HashPool::start(threads)),
            dummy_hash: Arc::new(dummy_hash),
            queue_wait: std::time::Duration::from_secs(1),
            max_waiting: threads * WAITING_PER_THREAD,
        })
    }

    /// Sets how long a request waits for the hashing queue.
    pub fn with_queue_wait(mut self, wait: std::time::Duration) -> Self {
        self.queue_wait = wait;
        self
    }

    /// Requests waiting for a hashing thread now.
    pub fn queue_depth(&self) -> usize {
        self.pool.waiting.load(Ordering::Relaxed)
    }

    /// Whether the queue is full: a request refused now (503) costs the server nothing,
    /// where one that waits the full `queue_wait` first has already cost it a request's
    /// worth of work.
    pub fn saturated(&self) -> bool {
        self.queue_depth() >= self.max_waiting
    }

    /// Counts a sign-in from its arrival until the guard is dropped, so a storm is
    /// refused at the door (`Busy`) while earlier sign-ins are still on their way to the
    /// queue, not after each has done its database work and waited.
    pub fn enter(&self) -> Result<Entered, Busy> {
        let before = self.pool.entered.fetch_add(1, Ordering::Relaxed);
        let entered = Entered(self.pool.clone());
        // Those entered include those already waiting for a thread.
        if before >= self.max_waiting {
            metrics::counter!("invigilator_password_hash_refused_total").increment(1);
            return Err(Busy);
        }
        Ok(entered)
    }

    async fn permit(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        if self.saturated() {
            metrics::counter!("invigilator_password_hash_refused_total").increment(1);
            return Err(Busy.into());
        }
        self.pool.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = tokio::time::timeout(self.queue_wait, self.permits.acquire()).await;
        self.pool.waiting.fetch_sub(1, Ordering::Relaxed);
        match permit {
            Ok(permit) => Ok(permit?),
            Err(_) => {
                metrics::counter!("invigilator_password_hash_refused_total").increment(1);
                Err(Busy.into())
            }
        }
    }

    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let _permit = self.permit().await?;
        let params = self.params.clone();
        self.pool
            .run(move |memory| hash_with(&params, password.expose_secret(), memory))
            .await?
    }

    /// Verifies against `hash`, or against a dummy hash when there is no account, so the
    /// answer and its timing do not reveal whether the account exists.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permit().await?;
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matched = self
            .pool
            .run(move |memory| verify_with(password.expose_secret(), &hash, memory))
            .await??;
        Ok(exists && matched)
    }
}

/// Grows `memory` to the blocks `params` needs (it is never shrunk: one thread's memory
/// is as large as the largest hash it has computed).
fn blocks_for<'m>(params: &Params, memory: &'m mut Vec<Block>) -> &'m mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

/// A new PHC string for `password`, with a random salt.
fn hash_with(params: &Params, password: &str, memory: &mut Vec<Block>) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            blocks_for(params, memory),
        )
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (compared in constant time).
fn verify_with(password: &str, stored: &str, memory: &mut Vec<Block>) -> anyhow::Result<bool> {
    let unreadable = |e: &dyn std::fmt::Display| anyhow::anyhow!("stored hash unreadable: {e}");
    let parsed = PasswordHash::new(stored).map_err(|e| unreadable(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| unreadable(&e))?;
    let version = Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| unreadable(&e))?;
    let params = Params::try_from(&parsed).map_err(|e| unreadable(&e))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(anyhow::anyhow!("stored hash unreadable: no salt or hash"));
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            blocks_for(&params, memory),
        )
        .map_err(|e| unreadable(&e))?;
    Ok(Output::new(&out).map_err(|e| unreadable(&e))? == *expected)
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    fn cheap() -> Params {
        Params::new(64, 1, 1, None).expect("params")
    }

    #[test]
    fn our_hashes_and_the_crates_verify_each_other() {
        let mut memory = Vec::new();
        let ours = hash_with(&cheap(), "correct horse", &mut memory).expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, cheap())
            .hash_password(b"battery staple")
            .expect("hash")
            .to_string();
        assert!(verify_with("battery staple", &theirs, &mut memory).expect("verify"));
        assert!(!verify_with("battery stapler", &theirs, &mut memory).expect("verify"));
        assert!(verify_with("x", "not a hash", &mut memory).is_err());
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_their_salt() {
        let mut memory = Vec::new();
        let a = hash_with(&cheap(), "same", &mut memory).expect("hash");
        let b = hash_with(&cheap(), "same", &mut memory).expect("hash");
        assert_ne!(a, b);
        assert!(verify_with("same", &a, &mut memory).expect("verify"));
        assert!(verify_with("same", &b, &mut memory).expect("verify"));
    }
}
