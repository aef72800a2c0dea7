import ArgumentParser
import Shared

/// `--blas-core auto|system|NAME`; a name is checked against the CPU when the command starts.
extension BLASCoreMode: ExpressibleByArgument {
    public var defaultValueDescription: String { description }
}
