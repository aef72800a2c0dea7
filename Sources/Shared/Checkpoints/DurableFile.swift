import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system calls that make a checkpoint durable — `open`, `read`, `write`, `fsync`, `rename` —
/// wrapped once, retrying `EINTR` and throwing `CheckpointError.io` with the call's name and the
/// system's reason.
///
/// A rename is durable only once the directory holding the new name is fsynced, and a file's contents
/// only once the file is; `replace(with:at:)` does both, so a reader after a crash sees either the old
/// file or the complete new one.
public enum DurableFile {
    /// Writes `data` under a temporary name beside `path` (`.tmp-NAME-PID`), fsyncs it, renames it over
    /// `path` and fsyncs the directory.
    /// - Throws: `CheckpointError.io`.
    public static func replace(with data: Data, at path: String) throws {
        let directory = parent(of: path)
        let temporary = (directory as NSString).appendingPathComponent(".tmp-\((path as NSString).lastPathComponent)-\(getpid())")
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        try write(data, to: temporary)
        try rename(temporary, to: path)
        renamed = true
        try synchronizeDirectory(directory)
    }

    /// Creates (or truncates) `path`, writes `data` and fsyncs the file.
    /// - Throws: `CheckpointError.io`.
    public static func write(_ data: Data, to path: String) throws {
        let fd = try retrying("open", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = try retrying("write", path) { Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
                offset += written
            }
        }
        _ = try retrying("fsync", path) { fsync(fd) }
    }

    /// Opens `path` (a file or a directory) read-only and fsyncs it, so its contents, or its entries,
    /// reach the disk.
    /// - Throws: `CheckpointError.io`.
    public static func synchronize(_ path: String) throws {
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        _ = try retrying("fsync", path) { fsync(fd) }
    }

    /// `synchronize` for a directory: makes renames and new entries inside it durable.
    public static func synchronizeDirectory(_ path: String) throws {
        try synchronize(path.isEmpty ? "." : path)
    }

    /// `rename(2)`: atomically replaces `destination` (a file, or an empty directory) with `source`.
    /// - Throws: `CheckpointError.io`.
    public static func rename(_ source: String, to destination: String) throws {
        _ = try retrying("rename", "\(source) → \(destination)") { Foundation.rename(source, destination) }
    }

    /// Calls `body` with `fd` read-only open on `path`, closing it afterwards.
    static func withReadDescriptor<Result>(_ path: String, _ body: (Int32) throws -> Result) throws -> Result {
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try body(fd)
    }

    /// `read(2)` into `buffer`, retrying `EINTR`; 0 at the end of the file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        try retrying("read", path) { Foundation.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func parent(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Runs a system call until it does not fail with `EINTR`; a negative result throws with `errno`.
    private static func retrying<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw CheckpointError.io(call: call, path: path, reason: String(cString: strerror(code)))
        }
    }
}
