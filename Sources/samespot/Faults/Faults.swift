import ArgumentParser
import Foundation

/// Fault trials: the service under load while something fails, then a check of what was kept.
/// Pass or fail, with figures; `scripts/faults` runs them against a database of their own.
struct Faults: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fault trials: load with a ledger while the service is killed and PostgreSQL restarted; then check nothing acknowledged was lost.",
        subcommands: [Durability.self])
}

/// Runs a shell command (the trial's way to stop and start PostgreSQL) to its end, with an
/// empty signal mask (see `unmaskedProcess`). posix_spawn and waitpid rather than Foundation's
/// Process: Process notices a child's end only when every copy of its descriptors is closed,
/// and a PostgreSQL started by the command keeps them open for as long as it runs.
func runShell(_ command: String) async throws {
    // waitpid blocks its thread: not one of the two the trial's tasks share.
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
        DispatchQueue.global().async {
            done.resume(with: Result { try runShellBlocking(command) })
        }
    }
}

private func runShellBlocking(_ command: String) throws {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    // Nothing of this process's goes with it: a PostgreSQL the command starts would otherwise
    // hold the load's sockets open (and the service would wait on them) for as long as it runs.
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
        if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }
    let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (text: String) in strdup(text) }
    defer { arguments.forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments + [nil], environ)
    guard spawned == 0 else { throw ValidationError("could not run `\(command)`: \(String(cString: strerror(spawned)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // WEXITSTATUS, which Swift does not import: the exit code is in bits 8…15; the low bits say a signal ended it.
    let exitCode = (status >> 8) & 0xFF, signal = status & 0x7F
    guard signal == 0, exitCode == 0 else {
        throw ValidationError("`\(command)` failed: " + (signal != 0 ? "signal \(signal)" : "exit status \(exitCode)"))
    }
}

/// A child process with an empty signal mask. This process's threads block signals (SIGALRM,
/// SIGTERM…) and a child inherits the mask: pgbench would never end its timed run, and a
/// PostgreSQL started from here would ignore pg_ctl. perl (always on Debian) clears the mask
/// and then becomes the command.
func unmaskedProcess(_ command: [String]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
    process.arguments = ["-MPOSIX", "-e", "sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; exec @ARGV or die", "--"] + command
    return process
}
