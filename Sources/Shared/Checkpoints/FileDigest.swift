import Crypto
import Foundation

/// SHA-256 of files, streamed in fixed-size chunks so a 500 MB model never sits in memory twice.
public enum FileDigest {
    /// Bytes read per `read` call.
    static let chunkSize = 4 << 20

    /// The lowercase hexadecimal SHA-256 of the file at `path`; with `synchronize`, the file is also
    /// fsynced before it is closed (a checkpoint hashes and syncs each file in one pass).
    /// - Throws: `CheckpointError.io`.
    public static func sha256(ofFileAt path: String, synchronize: Bool = false) throws -> String {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { chunk.deallocate() }
        var hasher = SHA256()
        try DurableFile.withReadDescriptor(path) { fd in
            while true {
                let count = try DurableFile.read(fd, into: chunk, path: path)
                if count == 0 { break }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
            if synchronize, fsync(fd) != 0 {
                throw CheckpointError.io(call: "fsync", path: path, reason: String(cString: strerror(errno)))
            }
        }
        return hex(hasher.finalize())
    }

    /// The lowercase hexadecimal SHA-256 of `data`.
    public static func sha256(of data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
