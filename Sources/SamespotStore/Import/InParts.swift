import Foundation
import Synchronization

/// Work over a big file's rows on every core: the indices are cut into as many contiguous
/// parts as there are cores (none smaller than `minimumPart`), each part is done on its own
/// thread, and the results come back in the rows' order. A part that throws stops the whole;
/// the error is that of the first failing part, so a check reports the file's first bad row
/// whichever part finished first.
enum InParts {
    static func map<T: Sendable>(count: Int, minimumPart: Int = 10_000,
                                 _ part: @Sendable (Range<Int>) throws -> [T]) throws -> [T] {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / max(1, minimumPart)))
        let size = (count + parts - 1) / parts
        let done = Mutex<[Int: Result<[T], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: parts) { index in
            let range = (index * size)..<min(count, (index + 1) * size)
            let result = Result { try part(range) }
            done.withLock { $0[index] = result }
        }
        var all: [T] = []
        all.reserveCapacity(count)
        for index in 0..<parts {
            switch done.withLock({ $0[index] }) {
            case .success(let some)?: all += some
            case .failure(let error)?: throw error
            case nil: break
            }
        }
        return all
    }
}
