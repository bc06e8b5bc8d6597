// The one thread that starts every mageio-plugin-host child of this process.
#pragma once

#include <functional>

namespace mageio::isolation {

/// Runs `step` on a thread that lives as long as the process, and waits for it; an exception thrown by
/// `step` is rethrown here.
///
/// Why: the child asks the kernel (PR_SET_PDEATHSIG) to be killed when its parent dies, so that a plugin
/// stuck in an endless loop never outlives the host. For the kernel the "parent" is the *thread* that
/// created the child. A host that opens connectors on short-lived threads (a thread pool, a Dask worker,
/// a Python ThreadPoolExecutor) would otherwise see a connector's child killed as soon as the thread that
/// opened it ended, while the connector is still in use on another thread.
void run_on_spawn_thread(const std::function<void()>& step);

}  // namespace mageio::isolation
