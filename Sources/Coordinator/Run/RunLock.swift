import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The claim of one coordinator on a run directory: an exclusive `flock` on `RUN_DIR/.lock`, taken
/// before anything in the directory is touched and held for as long as this value lives (the kernel
/// drops it when the process dies, even by kill -9). A second coordinator started on a live run by
/// mistake stops with a message naming the owner's pid, instead of truncating the live run's metrics.
///
/// The descriptor is close-on-exec: a coordinator that restarts itself in place (`ProcessRestart`)
/// gives the lock up with its old image and takes it again in the new one.
final class RunLock {
    private let descriptor: Int32

    /// - Throws: `RunError.runDirectoryBusy` if another process holds the lock; `RunError.cannotWrite` if
    ///   the lock file cannot be opened.
    init(directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(".lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let problem = errno
            let owner = Self.recordedOwner(fd)
            close(fd)
            guard problem == EWOULDBLOCK else { throw RunError.cannotWrite(path: path, reason: String(cString: strerror(problem))) }
            throw RunError.runDirectoryBusy(path: directory, owner: owner)
        }
        descriptor = fd
        // The owner's pid, for the message a second coordinator prints; the lock itself is the flock.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = pwrite(fd, pid, pid.count, 0) }
    }

    deinit { close(descriptor) }

    /// The pid the owner wrote into the lock file, if readable.
    private static func recordedOwner(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = pread(fd, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
