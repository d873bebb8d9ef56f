/// Hoare's selection (FIND), pivot the median of three: the element of the given rank in the
/// order `before` (0: the first) moved to that index, those before it to its left and those
/// after to its right. Ward percentiles and Open311 listings pick from millions of cases with
/// it, where a sort took most of their time.
enum Selection {
    @discardableResult
    static func select<Element>(rank: Int, in values: inout [Element], by before: (Element, Element) -> Bool) -> Element {
        values.withUnsafeMutableBufferPointer { v in
            var low = 0, high = v.count - 1
            while low < high {
                let a = v[low], b = v[(low + high) / 2], c = v[high]
                let pivot = before(a, b) ? (before(b, c) ? b : (before(a, c) ? c : a))
                                         : (before(a, c) ? a : (before(b, c) ? c : b))
                var i = low, j = high
                while i <= j {
                    while before(v[i], pivot) { i += 1 }
                    while before(pivot, v[j]) { j -= 1 }
                    if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
                }
                // [low, j] not after the pivot, [i, high] not before it, anything between equals it.
                if rank <= j { high = j } else if rank >= i { low = i } else { break }
            }
            return v[rank]
        }
    }
}
