import Testing
@testable import Shared

/// The compression library's tests (Sources/Shared/Compression), grouped so that
/// `swift test --filter Compression` runs them.
enum CompressionTests {}

extension CompressionTests {
    @Suite struct Setting {
        @Test func everyAcceptedFormParsesAndPrintsCanonically() throws {
            let cases: [(text: String, setting: WireCompression, canonical: String)] = [
                ("none", .none, "none"),
                ("bf16", .bf16, "bf16"),
                ("topk", .topK(fraction: 0.01), "topk:0.01"),
                ("topk:0.05", .topK(fraction: 0.05), "topk:0.05"),
                ("topk:1", .topK(fraction: 1), "topk:1.0"),
                ("topk:2.5e-3", .topK(fraction: 0.0025), "topk:0.0025"),
                ("topk:0.01+int4", .topK(fraction: 0.01, gradients: .int4), "topk:0.01+int4"),
                ("topk+int8", .topK(fraction: 0.01, gradients: .int8), "topk:0.01+int8"),
                ("topk:0.1+bf16", .topK(fraction: 0.1), "topk:0.1"),
                ("none+int4", WireCompression(parameters: .exact, gradients: .int4), "none+int4"),
                ("none+fp32", .none, "none"),
                ("bf16+fp32", WireCompression(parameters: .bf16, gradients: .fp32), "bf16+fp32"),
            ]
            for (text, setting, canonical) in cases {
                let parsed = try WireCompression(recipeValue: text)
                #expect(parsed == setting, "\(text)")
                #expect(parsed.description == canonical, "\(text)")
                #expect(try WireCompression(recipeValue: canonical) == setting, "\(canonical) parses back")
            }
        }

        @Test func badValuesAreRefusedNamingTheValueAndTheAcceptedForms() {
            let cases: [(text: String, reason: String)] = [
                ("fp16", "it is not one of the accepted forms"),
                ("", "it is not one of the accepted forms"),
                ("TopK", "it is not one of the accepted forms"),
                ("topk:", "\"\" is not a number"),
                ("topk:1%", "\"1%\" is not a number"),
                ("topk:0", "the fraction must be greater than 0 and at most 1"),
                ("topk:-0.1", "the fraction must be greater than 0 and at most 1"),
                ("topk:1.5", "the fraction must be greater than 0 and at most 1"),
                ("topk:nan", "the fraction must be greater than 0 and at most 1"),
                ("topk:inf", "the fraction must be greater than 0 and at most 1"),
                ("topk:0.01+int2", "\"int2\" is not a gradient form"),
                ("none+", "\"\" is not a gradient form"),
                ("none+int4+int8", "\"int4+int8\" is not a gradient form"),
                ("+int4", "it is not one of the accepted forms"),
                ("topk:0+int4", "the fraction must be greater than 0 and at most 1"),
            ]
            for (text, reason) in cases {
                #expect(throws: CompressionError.invalidSetting(value: text, reason: reason), "\(text)") {
                    _ = try WireCompression(recipeValue: text)
                }
            }
            let message = CompressionError.invalidSetting(value: "topk:0", reason: "the fraction must be greater than 0 and at most 1").description
            #expect(message == "compression \"topk:0\" is invalid: the fraction must be greater than 0 and at most 1; "
                + "accepted: none, bf16, topk (fraction 0.01) or topk:F with 0 < F ≤ 1, "
                + "each optionally followed by +fp32, +bf16, +int8 or +int4 for the gradients")
        }
    }
}
