import Foundation

/// The validated table of contents of a safetensors file.
///
/// Layout of the format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data
/// section that follows the header) plus an optional `__metadata__` string map, then the data.
/// Parsing checks everything a reader later relies on — every byte range lies inside the data
/// section, matches shape × dtype size exactly, and overlaps no other tensor — so reading a tensor
/// afterwards cannot go out of bounds however the file lies.
public struct SafetensorsHeader: Sendable {
    /// One tensor's entry. `dataRange` is in bytes, relative to the start of the data section.
    public struct Tensor: Equatable, Sendable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        public let dataRange: Range<Int>
        /// Number of elements (the product of `shape`; 1 for a scalar).
        public let count: Int
    }

    /// Headers longer than this are refused before any allocation, as the reference implementation does.
    public static let maximumHeaderLength = 100_000_000

    /// Every tensor, ordered by position in the data section (then by name).
    public let tensors: [Tensor]
    /// The `__metadata__` map; empty when absent.
    public let metadata: [String: String]
    /// Byte offset of the data section from the start of the file (8 + header length).
    public let dataOffset: Int

    private let index: [String: Int]

    /// Parses and validates the header of `file`, the complete contents of the file at `path`
    /// (`path` only names the file in errors).
    /// - Throws: `SafetensorsError` naming the file, and the tensor and field at fault.
    public init(parsing file: UnsafeRawBufferPointer, path: String) throws {
        guard file.count >= 8 else {
            throw SafetensorsError.truncatedHeader(path: path, expected: 8, actual: file.count)
        }
        let declared = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw SafetensorsError.headerTooLarge(path: path, length: declared, limit: Self.maximumHeaderLength)
        }
        dataOffset = 8 + Int(declared)
        guard dataOffset <= file.count else {
            throw SafetensorsError.truncatedHeader(path: path, expected: dataOffset, actual: file.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<dataOffset])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw SafetensorsError.invalidHeader(path: path, reason: "it is not valid UTF-8")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw SafetensorsError.invalidHeader(path: path, reason: "it is not valid JSON")
        }
        guard let object = json as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "it is not a JSON object")
        }

        let dataSize = file.count - dataOffset
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        for (name, value) in object {
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(value, path: path)
            } else {
                tensors.append(try Self.parseTensor(name: name, value, dataSize: dataSize, path: path))
            }
        }
        tensors.sort { ($0.dataRange.lowerBound, $0.dataRange.upperBound, $0.name) < ($1.dataRange.lowerBound, $1.dataRange.upperBound, $1.name) }
        try Self.checkDisjoint(tensors, path: path)

        self.tensors = tensors
        self.metadata = metadata
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// The entry for `name`, if the file has one.
    public func tensor(named name: String) -> Tensor? {
        index[name].map { tensors[$0] }
    }

    private static func parseMetadata(_ value: Any, path: String) throws -> [String: String] {
        guard let object = value as? [String: Any] else {
            throw SafetensorsError.invalidMetadata(path: path, reason: "it is not a JSON object")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in object {
            guard let text = entry as? String else {
                throw SafetensorsError.invalidMetadata(path: path, reason: "the value of \"\(key)\" is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseTensor(name: String, _ value: Any, dataSize: Int, path: String) throws -> Tensor {
        func invalid(_ field: String, _ reason: String) -> SafetensorsError {
            .invalidField(path: path, tensor: name, field: field, reason: reason)
        }
        guard let entry = value as? [String: Any] else { throw invalid("entry", "it is not a JSON object") }

        guard let dtypeValue = entry["dtype"] else { throw invalid("dtype", "it is missing") }
        guard let dtypeName = dtypeValue as? String else { throw invalid("dtype", "it is not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }

        guard let shapeValue = entry["shape"] else { throw invalid("shape", "it is missing") }
        guard let dimensions = shapeValue as? [Any] else { throw invalid("shape", "it is not an array") }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let size = dimension as? Int, size >= 0 else {
                throw invalid("shape", "dimension \(dimension) is not a non-negative integer")
            }
            shape.append(size)
        }
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw SafetensorsError.shapeOverflow(path: path, tensor: name, shape: shape) }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw SafetensorsError.shapeOverflow(path: path, tensor: name, shape: shape) }

        guard let offsetsValue = entry["data_offsets"] else { throw invalid("data_offsets", "it is missing") }
        guard let offsets = offsetsValue as? [Any], offsets.count == 2,
              let begin = offsets[0] as? Int, let end = offsets[1] as? Int, begin >= 0, end >= 0
        else { throw invalid("data_offsets", "it must be two non-negative integers [begin, end]") }
        guard begin <= end else { throw invalid("data_offsets", "begin \(begin) is after end \(end)") }
        guard end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        guard end - begin == byteCount else {
            throw SafetensorsError.sizeMismatch(path: path, tensor: name, expectedBytes: byteCount, actualBytes: end - begin)
        }
        return Tensor(name: name, dtype: dtype, shape: shape, dataRange: begin..<end, count: count)
    }

    /// `tensors` is sorted by start, so they are disjoint exactly when each starts at or after the end
    /// of the one before. Empty tensors occupy no bytes and cannot overlap.
    private static func checkDisjoint(_ tensors: [Tensor], path: String) throws {
        var previous: Tensor?
        for tensor in tensors where !tensor.dataRange.isEmpty {
            if let previous, tensor.dataRange.lowerBound < previous.dataRange.upperBound {
                throw SafetensorsError.overlappingTensors(path: path, first: previous.name, second: tensor.name)
            }
            previous = tensor
        }
    }
}
