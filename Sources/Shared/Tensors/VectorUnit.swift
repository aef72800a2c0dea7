/// The vector units the element-wise kernels of `CKernels` have code for (GELU, AdamW). The Swift code is
/// built for baseline x86-64, whose vectors are four floats wide; a kernel compiled for AVX2 or AVX-512
/// runs only where `CPUFeatures` says both the unit and the operating system's register state are there.
enum VectorUnit: Sendable {
    case avx512, avx2, baseline

    /// The widest unit this CPU runs, decided once per process.
    static let best: VectorUnit = available.first!

    /// Every unit this CPU runs, widest first; `baseline` (the Swift loops) always.
    static var available: [VectorUnit] {
        let cpu = CPUFeatures.current
        var units: [VectorUnit] = []
        if cpu.avx512f && cpu.avx512dq && cpu.avx512vl && cpu.fma { units.append(.avx512) }
        if cpu.avx2 && cpu.fma { units.append(.avx2) }
        return units + [.baseline]
    }
}
