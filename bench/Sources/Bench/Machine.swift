import Foundation

/// What the benchmark ran on, and the process's memory high-water mark.
enum Machine {
    /// "model name" from /proc/cpuinfo, with family/model/stepping (the model name alone can be as vague
    /// as "AMD EPYC" under a hypervisor).
    static var cpuDescription: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.isEmpty { break }  // first processor only
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let name = fields["model name"] ?? "unknown CPU"
        let id = ["cpu family", "model", "stepping"].compactMap { key in fields[key].map { "\(key) \($0)" } }
        let vector = ["avx512f", "avx2", "fma"].filter { (fields["flags"] ?? "").split(separator: " ").contains(Substring($0)) }
        return "\(name) (\(id.joined(separator: ", ")); \(vector.joined(separator: "/")))"
    }

    /// Logical CPUs available to this process.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Peak resident set size of this process so far, in MiB (getrusage `ru_maxrss`).
    static var peakRSSMiB: Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024            // KiB
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / (1024 * 1024)   // bytes on Darwin
        #endif
    }

    /// CPU seconds all processes of the machine have spent busy (user, nice, system, irq, softirq and
    /// steal from the first line of /proc/stat), or nil where there is no /proc/stat.
    static var machineBusySeconds: Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal …
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds (user + system) this process has used so far, all its threads together.
    static var processCPUSeconds: Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

