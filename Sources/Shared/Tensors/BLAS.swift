import COpenBLAS

/// The one place that calls CBLAS. Every matrix product in the project goes through `sgemm` here, so
/// threading policy and argument conventions live in a single file.
///
/// All matrices are row-major. Leading dimensions are row strides in elements, which lets callers
/// multiply strided views (one head's columns of a packed QKV buffer) without copying.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transpose

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, where op(A) is (m, k), op(B) is (k, n) and C is (m, n).
    /// The corresponding C function is `cblas_sgemm`.
    @inline(__always)
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// The number of threads OpenBLAS uses for one product. Process-wide, as OpenBLAS itself is.
    /// The corresponding C functions are `openblas_get_num_threads` and `openblas_set_num_threads`.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel set ("core") OpenBLAS chose when it was loaded, e.g. `Prescott` or `Cooperlake`; fixed for
    /// the life of the process, since OpenBLAS reads `OPENBLAS_CORETYPE` only at load (`BLASCoreSetup`
    /// restarts the process to change it). The corresponding C function is `openblas_get_corename`.
    public static var corename: String {
        guard let name = openblas_get_corename() else { return "" }
        return String(cString: name)
    }
}
