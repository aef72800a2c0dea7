import Foundation

/// Replaces the running process with a fresh start of its own executable, same arguments, with some
/// environment variables changed: the only way to change what a library reads once at load, such as
/// OpenBLAS's `OPENBLAS_CORETYPE`, and the coordinator's way back to its last checkpoint after a shard
/// server failed. The process id, open descriptors (but those opened close-on-exec, as libzmq's sockets
/// are) and stdout stay; memory and threads go.
public enum ProcessRestart {
    /// A restart the kernel refused (`execv` returned).
    public struct Failure: Error, CustomStringConvertible {
        var reason: String
        public var description: String { "Could not restart the process: \(reason)." }
    }

    /// Sets (or, for nil, removes) each variable of `changes`, then `execv`s this process's executable with
    /// this process's argv. The executable is named by its real path (what `/proc/self/exe` links to), not
    /// by that link, so the restarted process keeps its name for `ps`, `pgrep` and profilers. Returns only
    /// by throwing.
    public static func restart(changing changes: [(name: String, value: String?)]) throws -> Never {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &target, target.count - 1)
        guard length > 0 else { throw Failure(reason: "the executable's path is unknown: " + String(cString: strerror(errno))) }
        for change in changes {
            if let value = change.value { setenv(change.name, value, 1) } else { unsetenv(change.name) }
        }
        execv(target, CommandLine.unsafeArgv)
        throw Failure(reason: String(cString: strerror(errno)))
    }
}
