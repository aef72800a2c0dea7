import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes F32 safetensors files that `safetensors`, `transformers` and `SafetensorsFile` all read.
///
/// The header lists tensors in the order given, with contiguous data in the same order, and
/// `__metadata__` first with `"format": "pt"` (transformers refuses files without it); it is padded with
/// spaces to a multiple of 8 bytes so the data section starts aligned. The file is written under a
/// temporary name in the target's directory, fsynced and renamed over the target, so a reader sees
/// either the old file or the complete new one, never a torn write.
public enum SafetensorsWriter {
    /// One tensor to write: row-major elements whose count is the product of `shape`. The memory must
    /// stay valid for the duration of `write`; it is streamed from there, never copied whole.
    public struct Entry {
        public let name: String
        public let shape: [Int]
        public let data: UnsafeBufferPointer<Float>

        public init(name: String, shape: [Int], data: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.data = data
        }
    }

    /// Elements converted to little-endian per `write` syscall: 1 MiB of data at a time.
    private static let chunkElements = 1 << 18

    /// Writes `entries` as F32 tensors to `path`, replacing any file there atomically.
    /// - Parameter metadata: extra `__metadata__` pairs; `"format": "pt"` is added unless given.
    /// - Throws: `SafetensorsError.invalidEntry` for an empty, reserved or repeated name or a shape
    ///   that disagrees with the data; `.writeFailed` with the system's reason for I/O failures.
    public static func write(_ entries: [Entry], to path: String, metadata: [String: String] = [:]) throws {
        let header = try headerBytes(entries, metadata: metadata, path: path)
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw SafetensorsError.writeFailed(path: path, reason: "cannot create \(temporary); does the directory exist and is it writable?")
        }
        var renamed = false
        defer { if !renamed { try? FileManager.default.removeItem(atPath: temporary) } }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            var length = UInt64(header.count).littleEndian
            try handle.write(contentsOf: Data(bytes: &length, count: 8))
            try handle.write(contentsOf: header)
            try writeData(entries, to: handle)
            try handle.synchronize()
        } catch {
            throw SafetensorsError.writeFailed(path: path, reason: error.localizedDescription)
        }
        guard rename(temporary, path) == 0 else {
            throw SafetensorsError.writeFailed(path: path, reason: "rename: \(String(cString: strerror(errno)))")
        }
        renamed = true
        // The rename is durable only once the directory entry itself reaches the disk.
        do {
            let directoryHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: directory.isEmpty ? "." : directory))
            defer { try? directoryHandle.close() }
            try directoryHandle.synchronize()
        } catch {
            throw SafetensorsError.writeFailed(path: path, reason: "syncing the directory: \(error.localizedDescription)")
        }
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    private static func headerBytes(_ entries: [Entry], metadata: [String: String], path: String) throws -> Data {
        let metadataFields = ["format": "pt"].merging(metadata) { _, given in given }
            .sorted { $0.key < $1.key }
            .map { "\(jsonString($0.key)):\(jsonString($0.value))" }
        var json = "{\"__metadata__\":{\(metadataFields.joined(separator: ","))}"
        var seen = Set<String>()
        var offset = 0
        for entry in entries {
            func invalid(_ reason: String) -> SafetensorsError {
                .invalidEntry(path: path, tensor: entry.name, reason: reason)
            }
            guard !entry.name.isEmpty, entry.name != "__metadata__" else { throw invalid("the name is empty or reserved") }
            guard seen.insert(entry.name).inserted else { throw invalid("the name appears twice") }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw invalid("shape \(entry.shape) has a negative dimension") }
            var count = 1
            for size in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else { throw invalid("shape \(entry.shape) overflows") }
                count = product
            }
            guard count == entry.data.count else {
                throw invalid("shape \(entry.shape) holds \(count) elements but \(entry.data.count) were given")
            }
            let end = offset + 4 * count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            json += ",\(jsonString(entry.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Data(json.utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    /// Streams every entry's elements as little-endian F32 through one reusable chunk buffer.
    private static func writeData(_ entries: [Entry], to handle: FileHandle) throws {
        let chunk = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: chunkElements)
        defer { chunk.deallocate() }
        for entry in entries {
            var start = 0
            while start < entry.data.count {
                let count = min(chunkElements, entry.data.count - start)
                for i in 0..<count { chunk[i] = entry.data[start + i].bitPattern.littleEndian }
                try handle.write(contentsOf: Data(bytesNoCopy: chunk.baseAddress!, count: 4 * count, deallocator: .none))
                start += count
            }
        }
    }

    /// `text` as a JSON string literal.
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
