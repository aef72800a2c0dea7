import Foundation
import Testing
@testable import Shared

private let config = GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 6, vocabulary: 11, eosTokenID: 3)

/// Parameters that are exact in BF16 (k/256 with |k| < 256), so a BF16 copy converts back bit for bit.
private func bf16ExactParameters() -> FloatBuffer {
    let layout = ParameterLayout(config: config)
    let parameters = FloatBuffer(count: layout.count)
    for i in 0..<layout.count { parameters[i] = Float((i * 37) % 511 - 255) / 256 }
    return parameters
}

/// Writes `config.json` for `config` into `directory` and `tensors` as its `model.safetensors`.
private func writeDirectory(_ directory: String, tensors: [SafetensorsBytes.Tensor]) throws {
    let encoder = JSONEncoder()
    try encoder.encode(config).write(to: URL(fileURLWithPath: directory + "/config.json"))
    try SafetensorsBytes.write(SafetensorsBytes.file(tensors), to: directory + "/model.safetensors")
}

/// Every parameter tensor of `parameters` as F32 under its canonical name, transformed by `rename`
/// (return nil to drop the tensor).
private func canonicalTensors(_ parameters: FloatBuffer, rename: (String) -> String? = { $0 }) -> [SafetensorsBytes.Tensor] {
    ParameterLayout(config: config).tensors.compactMap { spec in
        rename(spec.name).map { .init(name: $0, dtype: "F32", shape: spec.shape, bytes: SafetensorsBytes.f32(Array(parameters.buffer[spec.range]))) }
    }
}

private func expectLoading(
    _ tensors: [SafetensorsBytes.Tensor], throws expected: (String) -> ModelError, sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    try withTemporaryDirectory { directory in
        try writeDirectory(directory, tensors: tensors)
        #expect(throws: expected(directory + "/model.safetensors"), sourceLocation: sourceLocation) {
            try ModelDirectory.load(directory: directory)
        }
    }
}

@Test func savedDirectoryLoadsBitIdenticalAndIgnoresOtherFiles() throws {
    let parameters = ModelInitializer.parameters(for: config, seed: 5)
    parameters[0] = -0.0
    try withTemporaryDirectory { directory in
        let target = directory + "/model"
        try ModelDirectory.save(config: config, parameters: parameters, to: target)
        try "{}".write(toFile: target + "/tokenizer.json", atomically: true, encoding: .utf8)
        let loaded = try ModelDirectory.load(directory: target)
        #expect(loaded.config == config)
        #expect(loaded.parameters.array.map(\.bitPattern) == parameters.array.map(\.bitPattern))

        let json = try String(contentsOfFile: target + "/config.json", encoding: .utf8)
        #expect(json.hasPrefix("{\n  \"activation_function\" : \"gelu_new\",\n"))
        let file = try SafetensorsFile(path: target + "/model.safetensors")
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.tensors.map(\.name)) == Set(ParameterLayout(config: config).tensors.map(\.name)))
        #expect(file.tensors.allSatisfy { $0.dtype == .f32 })
    }
}

@Test func huggingFaceNamesBuffersAndTiedHeadLoadLikeCanonicalNames() throws {
    let parameters = bf16ExactParameters()
    let layout = ParameterLayout(config: config)
    var tensors = canonicalTensors(parameters) { String($0.dropFirst("transformer.".count)) }
    for layer in 0..<config.layers {
        let mask = (0..<36).map { UInt8($0 % 6 <= $0 / 6 ? 1 : 0) }
        tensors.append(.init(name: "h.\(layer).attn.bias", dtype: "U8", shape: [1, 1, 6, 6], bytes: mask))
        tensors.append(.init(name: "h.\(layer).attn.masked_bias", dtype: "F32", shape: [], bytes: SafetensorsBytes.f32([-1e4])))
    }
    let wte = layout.tensors[0]
    tensors.append(.init(name: "lm_head.weight", dtype: "F32", shape: wte.shape, bytes: SafetensorsBytes.f32(Array(parameters.buffer[wte.range]))))
    // The same parameters again, stored as BF16 under canonical names.
    let halves = ParameterLayout(config: config).tensors.map { spec in
        SafetensorsBytes.Tensor(name: spec.name, dtype: "BF16", shape: spec.shape,
                                bytes: SafetensorsBytes.halves(parameters.buffer[spec.range].map { UInt16($0.bitPattern >> 16) }))
    }
    try withTemporaryDirectory { directory in
        try ModelDirectory.save(config: config, parameters: parameters, to: directory + "/ours")
        for (name, stored) in [("hf", tensors), ("bf16", halves)] {
            try FileManager.default.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: false)
            try writeDirectory(directory + "/" + name, tensors: stored)
        }
        let ours = try ModelDirectory.load(directory: directory + "/ours").parameters.array
        #expect(try ModelDirectory.load(directory: directory + "/hf").parameters.array == ours)
        #expect(try ModelDirectory.load(directory: directory + "/bf16").parameters.array == ours)
    }
}

@Test func headDifferentFromEmbeddingIsUntied() throws {
    let parameters = bf16ExactParameters()
    let wte = ParameterLayout(config: config).tensors[0]
    var head = Array(parameters.buffer[wte.range])
    head[17] = head[17].nextUp
    let tensors = canonicalTensors(parameters) + [.init(name: "lm_head.weight", dtype: "F32", shape: wte.shape, bytes: SafetensorsBytes.f32(head))]
    try expectLoading(tensors) { .untiedHead(path: $0) }
}

@Test func missingUnexpectedDuplicateAndMisshapenTensorsAreNamed() throws {
    let parameters = bf16ExactParameters()
    try expectLoading(canonicalTensors(parameters) { $0.hasSuffix("h.1.ln_2.bias") ? nil : $0 }) {
        .missingTensor(name: "transformer.h.1.ln_2.bias", path: $0)
    }
    try expectLoading(canonicalTensors(parameters) + [.init(name: "transformer.h.2.ln_1.bias", dtype: "F32", shape: [8], bytes: SafetensorsBytes.f32(Array(repeating: 0, count: 8)))]) {
        .unexpectedTensor(name: "transformer.h.2.ln_1.bias", path: $0)
    }
    try expectLoading(canonicalTensors(parameters) + [.init(name: "ln_f.bias", dtype: "F32", shape: [8], bytes: SafetensorsBytes.f32(Array(repeating: 0, count: 8)))]) {
        .duplicateTensor(name: "transformer.ln_f.bias", path: $0)
    }
    var tensors = canonicalTensors(parameters)
    let index = tensors.firstIndex { $0.name == "transformer.h.0.attn.c_attn.weight" }!
    tensors[index].shape = [24, 8]  // transposed: nn.Linear layout instead of Conv1D's [in, out]
    try expectLoading(tensors) { .shapeMismatch(name: "transformer.h.0.attn.c_attn.weight", expected: [8, 24], actual: [24, 8], path: $0) }
}

@Test func nonFiniteParameterIsRefused() throws {
    let parameters = bf16ExactParameters()
    let spec = ParameterLayout(config: config).tensor(named: "transformer.h.1.mlp.c_fc.bias")!
    parameters[spec.offset + 5] = .nan
    try expectLoading(canonicalTensors(parameters)) { .nonFiniteParameter(name: "transformer.h.1.mlp.c_fc.bias", index: 5, path: $0) }
    parameters[spec.offset + 5] = -.infinity
    try expectLoading(canonicalTensors(parameters)) { .nonFiniteParameter(name: "transformer.h.1.mlp.c_fc.bias", index: 5, path: $0) }
}

@Test func missingOrInvalidConfigNamesTheFile() throws {
    try withTemporaryDirectory { directory in
        let path = directory + "/config.json"
        #expect(throws: ModelError.missingFile(path: path)) { try ModelDirectory.load(directory: directory) }

        try "{\"n_layer\": 2, \"n_head\": 2}".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelError.invalidConfig(path: path, reason: "the required key \"n_embd\" is missing")) {
            try ModelDirectory.load(directory: directory)
        }
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelError.invalidConfig(path: path, reason: "it is not valid JSON")) { try ModelDirectory.load(directory: directory) }

        var relu = config
        relu.activation = "relu"
        try JSONEncoder().encode(relu).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ModelError.self) { try ModelDirectory.load(directory: directory) }
        #expect(error?.description.hasPrefix(path + ": invalid model configuration: activation_function \"relu\"") == true)

        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: path))
        #expect(throws: ModelError.missingFile(path: directory + "/model.safetensors")) { try ModelDirectory.load(directory: directory) }
    }
}

@Test func saveRefusesParametersOfAnotherSize() throws {
    try withTemporaryDirectory { directory in
        let expected = ParameterLayout(config: config).count
        #expect(throws: ModelError.parameterCountMismatch(expected: expected, actual: 10)) {
            try ModelDirectory.save(config: config, parameters: FloatBuffer(count: 10), to: directory)
        }
    }
}
