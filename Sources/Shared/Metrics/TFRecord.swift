/// TFRecord framing, the container of TensorBoard's event files: each record is the data's length (uint64,
/// little-endian), the masked CRC-32C of those 8 bytes (uint32, little-endian), the data, and the masked CRC-32C
/// of the data (uint32, little-endian). Records are concatenated with nothing between them, so a reader can
/// tell a record cut short by a crash from a whole one.
public enum TFRecord {
    /// The bytes a record adds around its data: length, length CRC and data CRC.
    public static let overhead = 16

    /// Appends one record holding `data` to `output`.
    public static func append(_ data: [UInt8], to output: inout [UInt8]) {
        let start = output.count
        appendLittleEndian(UInt64(data.count), to: &output)
        let lengthCRC = output.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + 8])) }
        appendLittleEndian(CRC32C.masked(lengthCRC), to: &output)
        output.append(contentsOf: data)
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(data)), to: &output)
    }

    private static func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value, to output: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { output.append(contentsOf: $0) }
    }
}
