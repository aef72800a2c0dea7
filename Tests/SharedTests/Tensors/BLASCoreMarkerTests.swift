import Testing
@testable import Shared

/// The variables that carry a restart's state from one process to the next.
@Suite struct BLASCoreMarkerTests {
    private func parse(_ variables: [(name: String, value: String?)]) throws -> BLASCoreMarker? {
        try BLASCoreMarker(environment: Dictionary(uniqueKeysWithValues: variables.compactMap { v in v.value.map { (v.name, $0) } }))
    }

    @Test func aMarkerSurvivesTheEnvironment() throws {
        let tries = BLASCoreMarker(system: "Prescott", tried: [.cooperlake, .skylakeX])
        #expect(try parse(tries.variables) == tries)
        let fallback = BLASCoreMarker(system: "Prescott", tried: [.cooperlake, .skylakeX, .haswell, .sandybridge], fellBack: true)
        #expect(try parse(fallback.variables) == fallback)
        #expect(fallback.variables.first { $0.name == "BFPO_BLAS_CORE_TRIED" }?.value == "Cooperlake,SkylakeX,Haswell,Sandybridge,system")
    }

    @Test func noMarkerMeansTheFirstProcess() throws {
        #expect(try BLASCoreMarker(environment: ["OPENBLAS_CORETYPE": "Haswell"]) == nil)
    }

    @Test func aMalformedMarkerIsAnError() {
        #expect(throws: BLASCoreError.malformedMarker("Cooperlake,Bogus")) {
            _ = try BLASCoreMarker(environment: ["BFPO_BLAS_CORE_TRIED": "Cooperlake,Bogus"])
        }
        #expect(throws: BLASCoreError.malformedMarker("")) { _ = try BLASCoreMarker(environment: ["BFPO_BLAS_CORE_TRIED": ""]) }
    }
}
