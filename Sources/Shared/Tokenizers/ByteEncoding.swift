/// GPT-2's reversible map between bytes and printable Unicode scalars ("bytes to unicode"), which
/// byte-level BPE vocabularies are written in: byte `b` is the scalar `scalars[b]`.
///
/// The printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the other 68 bytes, in
/// increasing order, take U+0100…U+0143. So the map is a bijection between all 256 bytes and 256 scalars.
public enum ByteEncoding {
    /// The scalar value that stands for each byte, indexed by byte.
    public static let scalars: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// The byte each of the 256 scalars stands for, indexed by scalar value (0…0x143); 0xFFFF elsewhere.
    private static let bytesByScalar: [UInt16] = {
        var table = [UInt16](repeating: 0xFFFF, count: 0x144)
        for (byte, scalar) in scalars.enumerated() { table[Int(scalar)] = UInt16(byte) }
        return table
    }()

    /// Bytes GPT-2 leaves as their own Latin-1 character.
    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The byte-level string of `bytes`: one scalar per byte.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(Unicode.Scalar(scalars[Int(byte)])!) }
        return String(text)
    }

    /// The bytes a byte-level string stands for, or nil if one of its scalars is not in the table.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(of: scalar.value) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The byte that `scalar` stands for, if it is one of the 256.
    public static func byte(of scalar: UInt32) -> UInt8? {
        guard scalar < 0x144 else { return nil }
        let byte = bytesByScalar[Int(scalar)]
        return byte == 0xFFFF ? nil : UInt8(byte)
    }
}
