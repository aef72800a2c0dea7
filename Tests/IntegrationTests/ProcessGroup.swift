import Foundation

/// A command started as the leader of a new process group, with every signal unblocked and SIGINT,
/// SIGTERM, SIGQUIT, SIGPIPE and SIGCHLD at their default dispositions, as a shell would start it.
///
/// Foundation's `Process` passes on the spawning thread's signal mask, and test threads block most
/// signals: a launcher started that way never sees the SIGINT or SIGTERM it is tested for, nor could it
/// end the processes it started. Everything the command starts stays in its group, so `deinit` kills the
/// whole group by the leader's pid.
final class ProcessGroup {
    let pid: pid_t
    private var status: Int32?

    /// Runs `executable arguments…` in `directory`, stdin and stdout from and to /dev/null, stderr to
    /// `stderrPath`.
    init(_ executable: String, _ arguments: [String], directory: String, stderrPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t(), defaults = sigset_t()
        sigemptyset(&unblocked)
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        // sh changes directory, then becomes the command (same pid), since Glibc's module does not
        // export posix_spawn_file_actions_addchdir_np.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArguments, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        self.pid = pid
    }

    deinit {
        kill(-pid, SIGKILL)
        if status == nil { _ = waitpid(pid, nil, 0) }
    }

    /// Sends `number` to every process of the group, as a terminal sends Ctrl-C.
    func signalGroup(_ number: Int32) { kill(-pid, number) }

    /// The leader's exit status (128 + N if signal N ended it), waiting at most `timeout` seconds; nil
    /// while it still runs.
    func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while status == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                let signal = raw & 0x7f
                status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            } else if Date() >= deadline {
                return nil
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        return status
    }
}
