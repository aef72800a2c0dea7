import Foundation
import Testing
@testable import Shared

/// Writes `bytes` to a temporary file and opens it. The directory is removed on return; the file
/// stays readable through its mapping, as an unlinked file does on POSIX systems.
private func openWritten(_ bytes: [UInt8]) throws -> SafetensorsFile {
    try withTemporaryDirectory { directory in
        let path = directory + "/t.safetensors"
        try SafetensorsBytes.write(bytes, to: path)
        return try SafetensorsFile(path: path)
    }
}

/// Expects opening a file of `bytes` to throw `expected(path)`.
private func expectOpening(
    _ bytes: [UInt8], throws expected: (String) -> SafetensorsError, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/t.safetensors"
        try SafetensorsBytes.write(bytes, to: path)
        #expect(throws: expected(path), sourceLocation: sourceLocation) { try SafetensorsFile(path: path) }
    }
}

private func entry(_ name: String, dtype: String = "F32", shape: String, offsets: String) -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

// MARK: - Round trip and writer

@Test func writtenFileReadsBackBitIdentical() throws {
    let special: [Float] = [0, -0.0, 1, -2, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                            Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001), 0.1, -3.25e-20]
    let matrix = (0..<300_000).map { Float($0) * 0.37 - 1000 }  // more than one 1 MiB write chunk
    try withTemporaryDirectory { directory in
        let path = directory + "/model.safetensors"
        try special.withUnsafeBufferPointer { a in
            try matrix.withUnsafeBufferPointer { b in
                try [Float]().withUnsafeBufferPointer { empty in
                    try SafetensorsWriter.write([
                        .init(name: "special", shape: [3, 4], data: a),
                        .init(name: "matrix", shape: [600, 500], data: b),
                        .init(name: "empty", shape: [0, 7], data: empty),
                    ], to: path, metadata: ["step": "12"])
                }
            }
        }
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "step": "12"])
        #expect(file.tensors.map(\.name) == ["special", "matrix", "empty"])
        #expect(file.tensor(named: "special")?.shape == [3, 4])
        #expect(file.tensor(named: "special")?.dtype == .f32)
        #expect(file.tensor(named: "empty")?.shape == [0, 7])
        #expect(try file.floats(of: "special").map(\.bitPattern) == special.map(\.bitPattern))
        #expect(try file.floats(of: "matrix") == matrix)
        #expect(try file.floats(of: "empty").isEmpty)
    }
}

@Test func writtenHeaderIsPaddedJSONWithFormatMetadataAndContiguousData() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/x.safetensors"
        let values: [Float] = [1, 2, 3]
        try values.withUnsafeBufferPointer { data in
            try SafetensorsWriter.write([.init(name: "a\"b", shape: [3], data: data), .init(name: "c", shape: [1], data: UnsafeBufferPointer(rebasing: data[0..<1]))], to: path)
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        #expect(bytes.count == 8 + length + 16)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any]
        #expect(header?["__metadata__"] as? [String: String] == ["format": "pt"])
        #expect((header?["a\"b"] as? [String: Any])?["data_offsets"] as? [Int] == [0, 12])
        #expect((header?["c"] as? [String: Any])?["data_offsets"] as? [Int] == [12, 16])
        #expect(Array(bytes[(8 + length)...]) == SafetensorsBytes.f32([1, 2, 3, 1]))
    }
}

@Test func writeReplacesTargetAtomicallyAndLeavesNoTemporaryFile() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/w.safetensors"
        for value: Float in [1, 2] {
            try [value].withUnsafeBufferPointer { try SafetensorsWriter.write([.init(name: "v", shape: [], data: $0)], to: path) }
        }
        #expect(try SafetensorsFile(path: path).floats(of: "v") == [2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["w.safetensors"])
    }
}

@Test func writerRejectsInconsistentEntriesWithoutTouchingTheTarget() throws {
    let values = [Float](repeating: 0, count: 6)
    func write(_ entries: [(name: String, shape: [Int])], to path: String) throws {
        try values.withUnsafeBufferPointer { data in
            try SafetensorsWriter.write(entries.map { .init(name: $0.name, shape: $0.shape, data: data) }, to: path)
        }
    }
    try withTemporaryDirectory { directory in
        let path = directory + "/w.safetensors"
        #expect(throws: SafetensorsError.invalidEntry(path: path, tensor: "m", reason: "shape [2, 2] holds 4 elements but 6 were given")) {
            try write([("m", [2, 2])], to: path)
        }
        #expect(throws: SafetensorsError.invalidEntry(path: path, tensor: "m", reason: "the name appears twice")) {
            try write([("m", [6]), ("m", [6])], to: path)
        }
        #expect(throws: SafetensorsError.invalidEntry(path: path, tensor: "__metadata__", reason: "the name is empty or reserved")) {
            try write([("__metadata__", [6])], to: path)
        }
        let contents = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(contents.isEmpty)
    }
}

@Test func writingIntoMissingDirectoryFailsWithPath() throws {
    let path = "/nonexistent-bfpo-directory/w.safetensors"
    let error = #expect(throws: SafetensorsError.self) {
        try [Float(1)].withUnsafeBufferPointer { try SafetensorsWriter.write([.init(name: "v", shape: [1], data: $0)], to: path) }
    }
    #expect(error?.description.contains(path) == true)
}

// MARK: - Reading dtypes

@Test func halfPrecisionTensorsAreConvertedIncludingUnalignedOffsets() throws {
    let file = try openWritten(SafetensorsBytes.file([
        .init(name: "flag", dtype: "BOOL", shape: [1], bytes: [1]),  // puts the next tensors at odd offsets
        .init(name: "half", dtype: "F16", shape: [2, 2], bytes: SafetensorsBytes.halves([0x3C00, 0xC000, 0x7BFF, 0x0001])),
        .init(name: "brain", dtype: "BF16", shape: [3], bytes: SafetensorsBytes.halves([0x3F80, 0xC000, 0x7F80])),
        .init(name: "single", dtype: "F32", shape: [2], bytes: SafetensorsBytes.f32([0.5, -7])),
    ]))
    #expect(try file.floats(of: "half") == [1, -2, 65504, 0x1p-24])
    #expect(try file.floats(of: "brain") == [1, -2, .infinity])
    #expect(try file.floats(of: "single") == [0.5, -7])
    #expect(file.tensor(named: "single")?.dataRange == 15..<23)
}

@Test func nonFloatDTypeParsesButIsRefusedAsFloats() throws {
    let file = try openWritten(SafetensorsBytes.file([
        .init(name: "ids", dtype: "I64", shape: [2], bytes: withUnsafeBytes(of: Int64(7).littleEndian, Array.init) + Array(repeating: 0, count: 8)),
    ]))
    let path = file.path
    #expect(file.tensor(named: "ids")?.dtype == .i64)
    #expect(try file.withRawBytes(of: "ids") { $0.count } == 16)
    #expect(throws: SafetensorsError.unsupportedDType(path: path, tensor: "ids", dtype: "I64")) { try file.floats(of: "ids") }
    let error = SafetensorsError.unsupportedDType(path: path, tensor: "ids", dtype: "I64")
    #expect(error.description.contains("unsupported dtype I64 for tensor ids"))
}

@Test func readingUnknownTensorOrIntoWrongSizedBufferThrows() throws {
    let file = try openWritten(SafetensorsBytes.file([.init(name: "v", dtype: "F32", shape: [2], bytes: SafetensorsBytes.f32([1, 2]))]))
    let path = file.path
    #expect(throws: SafetensorsError.tensorNotFound(path: path, tensor: "w")) { try file.floats(of: "w") }
    var three: [Float] = [0, 0, 0]
    #expect(throws: SafetensorsError.countMismatch(path: path, tensor: "v", expected: 2, actual: 3)) {
        try three.withUnsafeMutableBufferPointer { try file.copyFloats(of: "v", into: $0) }
    }
}

// MARK: - Malformed files

@Test func missingFileCannotBeOpened() {
    let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent-bfpo/x.safetensors") }
    guard case .cannotOpen(let path, let reason) = error else { Issue.record("expected cannotOpen, got \(String(describing: error))"); return }
    #expect(path == "/nonexistent-bfpo/x.safetensors")
    #expect(reason.contains("No such file"))
}

@Test func emptyFileHasTruncatedHeader() throws {
    try expectOpening([]) { .truncatedHeader(path: $0, expected: 8, actual: 0) }
}

@Test func headerLengthBeyondFileIsTruncatedHeader() throws {
    let bytes = SafetensorsBytes.file(header: "{}", declaredLength: 64)
    try expectOpening(bytes) { .truncatedHeader(path: $0, expected: 72, actual: 10) }
}

@Test func headerLengthOverLimitIsRefused() throws {
    let bytes = SafetensorsBytes.file(header: "{}", declaredLength: UInt64.max)
    try expectOpening(bytes) { .headerTooLarge(path: $0, length: UInt64.max, limit: 100_000_000) }
}

@Test func headerThatIsNotUTF8OrJSONOrAnObjectIsInvalid() throws {
    let badUTF8 = [UInt8](withUnsafeBytes(of: UInt64(3).littleEndian, Array.init)) + [0x7B, 0xFF, 0x7D]
    try expectOpening(badUTF8) { .invalidHeader(path: $0, reason: "it is not valid UTF-8") }
    try expectOpening(SafetensorsBytes.file(header: "{\"a\": ")) { .invalidHeader(path: $0, reason: "it is not valid JSON") }
    try expectOpening(SafetensorsBytes.file(header: "[1, 2]")) { .invalidHeader(path: $0, reason: "it is not a JSON object") }
}

@Test func missingOrMistypedDTypeIsInvalidField() throws {
    let missing = SafetensorsBytes.file(header: "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])
    try expectOpening(missing) { .invalidField(path: $0, tensor: "w", field: "dtype", reason: "it is missing") }
    let number = SafetensorsBytes.file(header: "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])
    try expectOpening(number) { .invalidField(path: $0, tensor: "w", field: "dtype", reason: "it is not a string") }
    let unknown = SafetensorsBytes.file(header: "{" + entry("w", dtype: "F128", shape: "[1]", offsets: "[0,16]") + "}", data: Array(repeating: 0, count: 16))
    try expectOpening(unknown) { .unknownDType(path: $0, tensor: "w", dtype: "F128") }
}

@Test func negativeOrFractionalShapeIsInvalidField() throws {
    let negative = SafetensorsBytes.file(header: "{" + entry("w", shape: "[2,-1]", offsets: "[0,0]") + "}")
    try expectOpening(negative) { .invalidField(path: $0, tensor: "w", field: "shape", reason: "dimension -1 is not a non-negative integer") }
    let fractional = SafetensorsBytes.file(header: "{" + entry("w", shape: "[1.5]", offsets: "[0,0]") + "}")
    try expectOpening(fractional) { .invalidField(path: $0, tensor: "w", field: "shape", reason: "dimension 1.5 is not a non-negative integer") }
    let missing = SafetensorsBytes.file(header: "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}")
    try expectOpening(missing) { .invalidField(path: $0, tensor: "w", field: "shape", reason: "it is missing") }
}

@Test func hugeShapeOverflows() throws {
    let huge = SafetensorsBytes.file(header: "{" + entry("w", shape: "[4294967296,4294967296]", offsets: "[0,4]") + "}", data: [0, 0, 0, 0])
    try expectOpening(huge) { .shapeOverflow(path: $0, tensor: "w", shape: [4_294_967_296, 4_294_967_296]) }
    let bytesOverflow = SafetensorsBytes.file(header: "{" + entry("w", shape: "[4611686018427387904]", offsets: "[0,4]") + "}", data: [0, 0, 0, 0])
    try expectOpening(bytesOverflow) { .shapeOverflow(path: $0, tensor: "w", shape: [4_611_686_018_427_387_904]) }
}

@Test func dataOffsetsOutsideDataSectionAreOutOfRange() throws {
    let bytes = SafetensorsBytes.file(header: "{" + entry("w", shape: "[2]", offsets: "[4,12]") + "}", data: Array(repeating: 0, count: 8))
    try expectOpening(bytes) { .offsetsOutOfRange(path: $0, tensor: "w", begin: 4, end: 12, dataSize: 8) }
}

@Test func truncatedDataIsOutOfRange() throws {
    var bytes = SafetensorsBytes.file([
        .init(name: "a", dtype: "F32", shape: [2], bytes: SafetensorsBytes.f32([1, 2])),
        .init(name: "b", dtype: "F32", shape: [3], bytes: SafetensorsBytes.f32([3, 4, 5])),
    ])
    bytes.removeLast(5)
    try expectOpening(bytes) { .offsetsOutOfRange(path: $0, tensor: "b", begin: 8, end: 20, dataSize: 15) }
}

@Test func malformedDataOffsetsAreInvalidField() throws {
    let reversed = SafetensorsBytes.file(header: "{" + entry("w", shape: "[0]", offsets: "[4,0]") + "}", data: [0, 0, 0, 0])
    try expectOpening(reversed) { .invalidField(path: $0, tensor: "w", field: "data_offsets", reason: "begin 4 is after end 0") }
    let three = SafetensorsBytes.file(header: "{" + entry("w", shape: "[1]", offsets: "[0,4,8]") + "}", data: Array(repeating: 0, count: 8))
    try expectOpening(three) { .invalidField(path: $0, tensor: "w", field: "data_offsets", reason: "it must be two non-negative integers [begin, end]") }
}

@Test func byteRangeDisagreeingWithShapeIsSizeMismatch() throws {
    let bytes = SafetensorsBytes.file(header: "{" + entry("w", dtype: "F16", shape: "[3]", offsets: "[0,8]") + "}", data: Array(repeating: 0, count: 8))
    try expectOpening(bytes) { .sizeMismatch(path: $0, tensor: "w", expectedBytes: 6, actualBytes: 8) }
}

@Test func overlappingTensorsAreRefused() throws {
    let header = "{" + entry("a", shape: "[2]", offsets: "[0,8]") + "," + entry("b", shape: "[2]", offsets: "[4,12]") + "}"
    let bytes = SafetensorsBytes.file(header: header, data: Array(repeating: 0, count: 12))
    try expectOpening(bytes) { .overlappingTensors(path: $0, first: "a", second: "b") }
}

@Test func metadataMustMapStringsToStrings() throws {
    let bytes = SafetensorsBytes.file(header: "{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}")
    try expectOpening(bytes) { .invalidMetadata(path: $0, reason: "the value of \"step\" is not a string") }
}

@Test func errorDescriptionsNameFileAndTensor() throws {
    let error = SafetensorsError.sizeMismatch(path: "/m/model.safetensors", tensor: "h.0.attn.c_attn.weight", expectedBytes: 6, actualBytes: 8)
    #expect(error.description == "/m/model.safetensors: tensor h.0.attn.c_attn.weight needs 6 bytes for its shape and dtype but data_offsets span 8")
}
