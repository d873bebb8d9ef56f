/// One case as the family rules see it: its id, its parent, its type and status.
public struct FamilyMember: Sendable, Equatable {
    public var id: Int64
    public var parent: Int64?
    public var serviceCode: String
    public var status: CaseStatus
    /// The tracking number, for messages.
    public var tracking: String

    public init(id: Int64, parent: Int64?, serviceCode: String, status: CaseStatus, tracking: String) {
        self.id = id; self.parent = parent; self.serviceCode = serviceCode; self.status = status; self.tracking = tracking
    }
}

/// The rules of a case's family: one parent that is worked, children that follow it (each
/// keeps its own tracking number and requester), never deeper than one level.
public enum CaseFamily {
    /// What a merge does: the child (and any children of its own) go under `root`, and the
    /// child takes the root's status, which it follows from then on.
    public struct MergePlan: Sendable, Equatable {
        public var childID: Int64
        public var rootID: Int64
        /// The child's old parent, whose count goes down.
        public var previousParent: Int64?
        /// The status the child takes (the root's); nil when it already has it.
        public var newStatus: CaseStatus?

        public init(childID: Int64, rootID: Int64, previousParent: Int64?, newStatus: CaseStatus?) {
            self.childID = childID; self.rootID = rootID; self.previousParent = previousParent; self.newStatus = newStatus
        }
    }

    /// - Parameters:
    ///   - child: the case to merge.
    ///   - root: the family root of the case named as parent (that case itself, or its parent).
    public static func merge(_ child: FamilyMember, into root: FamilyMember) throws(Refused) -> MergePlan {
        guard child.id != root.id else {
            throw .conflict("\(child.tracking) cannot be merged into itself (or into one of its own children)")
        }
        guard root.parent == nil else { throw .conflict("\(root.tracking) is itself merged; merge into its parent") }
        guard child.serviceCode == root.serviceCode else {
            throw .conflict("\(child.tracking) is \(child.serviceCode) and \(root.tracking) is \(root.serviceCode): only cases of one type merge")
        }
        guard child.parent != root.id else { throw .conflict("\(child.tracking) is already merged into \(root.tracking)") }
        // An open request under a closed case would be closed without its work; a closed one
        // under an open case would come back to life. Tidying closed history is allowed.
        guard child.status.isOpen == root.status.isOpen else {
            throw .conflict(root.status.isOpen
                ? "\(child.tracking) is \(child.status.label) and \(root.tracking) is open: reopen \(child.tracking) first"
                : "\(root.tracking) is \(root.status.label) and \(child.tracking) is open: reopen \(root.tracking) first, or keep \(child.tracking) on its own")
        }
        return MergePlan(childID: child.id, rootID: root.id, previousParent: child.parent,
                         newStatus: child.status == root.status ? nil : root.status)
    }

    /// An unmerged child becomes a case of its own again, keeping the status it has.
    public static func unmerge(_ child: FamilyMember) throws(Refused) -> Int64 {
        guard let parent = child.parent else { throw .conflict("\(child.tracking) is not merged into another case") }
        return parent
    }

    /// A caller joins a case's family at intake ("already reported"): only an open one.
    public static func join(_ root: FamilyMember) throws(Refused) {
        guard root.status.isOpen else {
            throw .conflict("\(root.tracking) is \(root.status.label): a caller can join an open case only; take a new request instead")
        }
    }
}
