//! Callbacks through which the library tells its caller how long work is getting on (the CLI's
//! progress bars and spinners); the library itself never draws anything.

use std::sync::Arc;

/// A callback told `A` from any thread (bytes read, the phase that starts, …).
pub struct Hook<A>(pub Arc<dyn Fn(A) + Send + Sync>);

// By hand: a derive would ask `A: Clone` / `A: Debug`, which the callback does not need.
impl<A> Clone for Hook<A> {
    fn clone(&self) -> Self {
        Hook(self.0.clone())
    }
}

impl<A> std::fmt::Debug for Hook<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook")
    }
}
