import Foundation

/// Replaces the running process with a fresh start of its own executable, same arguments, with some
/// environment variables changed: the only way to change what a library reads once at load, such as
/// OpenBLAS's `OPENBLAS_CORETYPE`. The process id, open descriptors and stdout stay; memory and threads go.
enum ProcessRestart {
    /// A restart the kernel refused (`execv` returned).
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { "Could not restart the process with changed environment: \(reason)." }
    }

    /// Sets (or, for nil, removes) each variable of `changes`, then `execv`s `/proc/self/exe` with this
    /// process's argv. Returns only by throwing.
    static func restart(changing changes: [(name: String, value: String?)]) throws -> Never {
        for change in changes {
            if let value = change.value { setenv(change.name, value, 1) } else { unsetenv(change.name) }
        }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw Failure(reason: String(cString: strerror(errno)))
    }
}
