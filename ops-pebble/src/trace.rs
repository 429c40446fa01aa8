//! A hook through which a charm framework traces Pebble requests (`ops` makes a span of
//! each one when the charm declares tracing). Unset, it costs one atomic load a request.

use std::path::Path;
use std::sync::OnceLock;

/// What a request's end is told: the error message, if it failed.
pub type RequestEnd = Box<dyn FnOnce(Option<&str>)>;

/// Called as each HTTP request starts, with its method, path and the socket; the
/// returned closure is called when it ends.
pub type RequestHook = fn(method: &str, path: &str, socket: &Path) -> RequestEnd;

static HOOK: OnceLock<RequestHook> = OnceLock::new();

/// Installs the process's request hook. The first one installed stays: returns whether
/// this call installed it.
pub fn set_request_hook(hook: RequestHook) -> bool {
    HOOK.set(hook).is_ok()
}

/// Runs `request` under the hook, if one is installed.
pub(crate) fn traced<T>(
    method: &str,
    path: &str,
    socket: &Path,
    request: impl FnOnce() -> crate::Result<T>,
) -> crate::Result<T> {
    let Some(hook) = HOOK.get() else {
        return request();
    };
    let end = hook(method, path, socket);
    let result = request();
    end(result.as_ref().err().map(|e| e.to_string()).as_deref());
    result
}
