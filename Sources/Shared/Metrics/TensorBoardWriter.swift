import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one TensorBoard event file (docs/contracts.md, "TensorBoard"): a new
/// `events.out.tfevents.SECONDS.HOST` in `directory` for each writer, its first record the file version, then one
/// summary per `append`, with one scalar per finite metric. TensorBoard reads every event file of a directory
/// as one run, so a resumed run adds a file of its own instead of rewriting an old one.
///
/// Each record reaches the kernel with one `write` before `append` returns, so a crash of the process loses
/// nothing written and leaves at most a cut last record, which TensorBoard's reader skips; `synchronize()`
/// makes the file durable against a crash of the machine.
public final class TensorBoardWriter {
    /// The event file this writer appends to.
    public let path: String
    private var descriptor: Int32
    private let clock: () -> Double

    /// Creates `directory` when missing and a new event file in it, named for `clock()`'s second and the host,
    /// with a `.2`, `.3`, … suffix when a file of that name exists (two writers in one second); then writes the
    /// file-version record.
    /// - Parameters:
    ///   - clock: seconds since the Unix epoch, for the file name and every event's `wall_time`.
    /// - Throws: `TensorBoardError.io`.
    public init(directory: String, clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TensorBoardError.io(call: "mkdir", path: directory, reason: error.localizedDescription)
        }
        self.clock = clock
        let now = clock()
        let base = (directory as NSString).appendingPathComponent("events.out.tfevents.\(Int64(now)).\(Self.hostName())")
        (descriptor, path) = try Self.createNew(base)
        try write(TensorBoardEvent(wallTime: now, step: 0, content: .fileVersion(TensorBoardEvent.currentFileVersion)))
    }

    deinit { close() }

    /// Appends one summary at `step`: a scalar per finite value, tags sorted (`metrics.jsonl`'s key order), values
    /// rounded to `Float` as TensorBoard stores them. Nothing is written when no value is finite.
    /// - Throws: `TensorBoardError.io`.
    public func append(_ values: [String: Double], step: Int) throws {
        let scalars = values.filter { $0.value.isFinite }.sorted { $0.key < $1.key }
            .map { TensorBoardEvent.Scalar(tag: $0.key, value: Float($0.value)) }
        guard !scalars.isEmpty else { return }
        try write(TensorBoardEvent(wallTime: clock(), step: Int64(step), content: .scalars(scalars)))
    }

    /// `fsync(2)`: what was appended survives a crash of the machine.
    /// - Throws: `TensorBoardError.io`.
    public func synchronize() throws {
        try retrying("fsync") { fsync(descriptor) }
    }

    /// Closes the file; later calls do nothing. Appending after closing is a bug and traps.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Foundation.close(descriptor)
        descriptor = -1
    }

    private func write(_ event: TensorBoardEvent) throws {
        precondition(descriptor >= 0, "TensorBoardWriter used after close()")
        let data = TensorBoardEventCodec.encode(event)
        var record: [UInt8] = []
        record.reserveCapacity(data.count + TFRecord.overhead)
        TFRecord.append(data, to: &record)
        try record.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                offset += try retrying("write") { Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset) }
            }
        }
    }

    /// Runs a system call until it does not fail with `EINTR`; a negative result throws with `errno`.
    @discardableResult
    private func retrying<Result: BinaryInteger>(_ call: String, _ body: () -> Result) throws -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw TensorBoardError.io(call: call, path: path, reason: String(cString: strerror(code)))
        }
    }

    /// Opens a file that did not exist, at `base` or, when taken, at `base.2`, `base.3`, …; returns its
    /// descriptor and path.
    private static func createNew(_ base: String) throws -> (Int32, String) {
        var candidate = base
        var suffix = 1
        while true {
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, candidate) }
            let code = errno
            if code == EINTR { continue }
            guard code == EEXIST else {
                throw TensorBoardError.io(call: "open", path: candidate, reason: String(cString: strerror(code)))
            }
            suffix += 1
            candidate = "\(base).\(suffix)"
        }
    }

    /// The host's name as `gethostname(2)` gives it, `localhost` when it has none; slashes would make a path.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).replacingOccurrences(of: "/", with: "_")
        return name.isEmpty ? "localhost" : name
    }
}
