#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory: the one place that calls `open`, `fstat`, `mmap` and
/// `munmap`, and the only holder of the mapping's address.
///
/// Reading through a mapping lets the kernel page tensors in on demand and share them between
/// processes, instead of copying a checkpoint into the heap first. The bytes are reachable only inside
/// `withBytes`, and the mapping lives until this object is released. The file must not be truncated
/// while mapped (the process would receive SIGBUS); checkpoints are replaced by rename, never in place.
final class MappedFile {
    let path: String
    /// Length of the file in bytes when it was mapped.
    let size: Int
    /// Start of the mapping; nil for an empty file, which `mmap` cannot map.
    private let base: UnsafeRawPointer?

    /// Maps the file at `path`.
    /// - Throws: `SafetensorsError.cannotOpen` with the system's reason.
    init(path: String) throws {
        self.path = path
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw Self.failure(path, "open") }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.failure(path, "fstat") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SafetensorsError.cannotOpen(path: path, reason: "not a regular file")
        }
        size = Int(status.st_size)
        guard size > 0 else {
            base = nil
            return
        }
        // The corresponding C function is `mmap`; MAP_FAILED is (void *)-1.
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1)
        else { throw Self.failure(path, "mmap") }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// Calls `body` with the file's bytes; the buffer must not escape the closure.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size))
    }

    private static func failure(_ path: String, _ function: String) -> SafetensorsError {
        .cannotOpen(path: path, reason: "\(function): \(String(cString: strerror(errno)))")
    }
}
