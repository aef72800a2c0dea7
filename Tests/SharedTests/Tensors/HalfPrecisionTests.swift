import Testing
@testable import Shared

@Test func float16KnownBitPatternsConvertExactly() {
    let cases: [(bits: UInt16, value: Float)] = [
        (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x3555, 0.333251953125),
        (0x0001, 0x1p-24),                      // smallest subnormal
        (0x03FF, 1023 * 0x1p-24),               // largest subnormal
        (0x0400, 0x1p-14),                      // smallest normal
        (0x8001, -0x1p-24),
        (0x7C00, .infinity), (0xFC00, -.infinity),
    ]
    for (bits, value) in cases {
        #expect(HalfPrecision.float(fromFloat16Bits: bits) == value, "F16 0x\(String(bits, radix: 16))")
    }
    #expect(HalfPrecision.float(fromFloat16Bits: 0x0000).bitPattern == 0)
    #expect(HalfPrecision.float(fromFloat16Bits: 0x8000).bitPattern == 0x8000_0000)
}

@Test func float16NaNsStayNaNWithSignAndPayload() {
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7E00).bitPattern == 0x7FC0_0000)  // quiet NaN
    #expect(HalfPrecision.float(fromFloat16Bits: 0xFC01).bitPattern == 0xFF80_2000)  // signalling, payload 1
    #expect(HalfPrecision.float(fromFloat16Bits: 0x7D00).isNaN)
}

@Test func bfloat16KnownBitPatternsConvertExactly() {
    let cases: [(bits: UInt16, value: Float)] = [
        (0x3F80, 1), (0xC000, -2), (0x477F, 65280), (0x7F7F, 0x1.FEp127),
        (0x0001, 0x1p-133),                     // smallest subnormal
        (0x0080, 0x1p-126),                     // smallest normal
        (0x7F80, .infinity), (0xFF80, -.infinity),
    ]
    for (bits, value) in cases {
        #expect(HalfPrecision.float(fromBFloat16Bits: bits) == value, "BF16 0x\(String(bits, radix: 16))")
    }
    #expect(HalfPrecision.float(fromBFloat16Bits: 0x7FC0).isNaN)
    #expect(HalfPrecision.float(fromBFloat16Bits: 0x8000).bitPattern == 0x8000_0000)
}

#if !(os(macOS) && arch(x86_64))
/// Every one of the 65,536 F16 patterns against the standard library's conversion, where `Float16` exists.
@Test func float16ConversionMatchesStandardLibraryForEveryPattern() {
    var mismatches = 0
    for bits in UInt16.min...UInt16.max {
        let ours = HalfPrecision.float(fromFloat16Bits: bits)
        let reference = Float(Float16(bitPattern: bits))
        let same = reference.isNaN ? ours.isNaN && ours.sign == reference.sign : ours.bitPattern == reference.bitPattern
        if !same { mismatches += 1 }
    }
    #expect(mismatches == 0)
}
#endif
