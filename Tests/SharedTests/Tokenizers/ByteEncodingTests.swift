import Testing
@testable import Shared

struct ByteEncodingTests {
    @Test func tableIsABijectionWithGPT2sValues() {
        #expect(Set(ByteEncoding.scalars).count == 256)
        #expect(ByteEncoding.scalars[Int(UInt8(ascii: " "))] == 0x120)   // Ġ
        #expect(ByteEncoding.scalars[Int(UInt8(ascii: "\n"))] == 0x10A)  // Ċ
        #expect(ByteEncoding.scalars[Int(UInt8(ascii: "A"))] == 0x41)
        #expect(ByteEncoding.scalars[0xAD] == 0x143)                      // the last byte moved
        for byte in 0..<256 { #expect(ByteEncoding.byte(of: ByteEncoding.scalars[byte]) == UInt8(byte)) }
        #expect(ByteEncoding.byte(of: 0x20) == nil)
        #expect(ByteEncoding.byte(of: 0x144) == nil)
    }

    @Test func encodeAndDecodeInvertEachOther() {
        let bytes = Array("héllo 🌍\n".utf8)
        let text = ByteEncoding.encode(bytes)
        #expect(text == "hÃ©lloĠðŁĮįĊ")
        #expect(ByteEncoding.decode(text) == bytes)
        #expect(ByteEncoding.decode("a b") == nil)
    }
}
