import Foundation

/// A seeded synthetic year of a city's 311 requests, for measuring Samespot at full-city scale
/// (issue #20): drawn around the city's real address points, with the city's mix of types,
/// seasons, and duplicate bursts (several residents reporting one spot within hours, linked to
/// the first report as the city links them). The same inputs and seed give the same year.
public struct CityYearGenerator: Sendable {
    /// A place requests are made at.
    public struct Place: Sendable {
        public var address: String
        public var zip: String
        public var longitude: Double
        public var latitude: Double
        public init(address: String, zip: String, longitude: Double, latitude: Double) {
            self.address = address; self.zip = zip; self.longitude = longitude; self.latitude = latitude
        }
    }

    /// A service type and its share of the year's reports.
    public struct RequestType: Sendable {
        public var code: String
        public var name: String
        public var department: String
        public var weight: Double
        public init(code: String, name: String, department: String, weight: Double) {
            self.code = code; self.name = name; self.department = department; self.weight = weight
        }

        /// Snow and ice come in winter only; tree, weed and pothole work peaks in spring and summer.
        var season: Season {
            let lower = name.lowercased()
            if lower.contains("snow") || lower.contains("ice ") || lower.hasPrefix("ice") { return .winter }
            if ["tree", "weed", "pot hole", "pothole", "grass", "mosquito"].contains(where: lower.contains) { return .summer }
            return .yearRound
        }
    }

    enum Season { case winter, summer, yearRound }

    public struct Settings: Sendable {
        public var year: Int
        public var requests: Int
        public var seed: UInt64
        /// Share of reports about a place that start a burst of repeats.
        public var burstShare: Double = 0.06
        /// Mean number of repeats in a burst (geometric, at least one).
        public var meanRepeats: Double = 2.0
        /// Requests made on or after this day of the year are still open at its end, as the
        /// last weeks of a real export are.
        public var openTailDays: Int = 10
        public init(year: Int, requests: Int, seed: UInt64) {
            self.year = year; self.requests = requests; self.seed = seed
        }
    }

    public let places: [Place]
    public let types: [RequestType]
    public let settings: Settings

    public init(places: [Place], types: [RequestType], settings: Settings) {
        precondition(!places.isEmpty && !types.isEmpty, "a city needs places and types")
        self.places = places
        self.types = types
        self.settings = settings
    }

    /// The year's requests in the order they came in, as rows of the city's current export
    /// layout (`header`).
    public static let header = ["sr_number", "sr_type", "sr_short_code", "owner_department", "status", "origin", "created_date",
                                "last_modified_date", "closed_date", "street_address", "zip_code", "latitude", "longitude",
                                "duplicate", "parent_sr_number"]

    /// Relative volume by month (January first): summer is busier than winter, as in city data.
    static let monthVolume: [Double] = [0.80, 0.78, 0.90, 0.98, 1.10, 1.20, 1.22, 1.18, 1.08, 1.00, 0.90, 0.86]

    public func rows() -> [[String]] {
        var rng = SplitMix64(seed: settings.seed)
        let year = settings.year
        let daysInYear = CivilDate(year: year + 1, month: 1, day: 1).dayNumber - CivilDate(year: year, month: 1, day: 1).dayNumber
        let firstDay = CivilDate(year: year, month: 1, day: 1).dayNumber

        // Each day's volume, and each day's type weights (seasons).
        let dayWeights = (0..<daysInYear).map { d -> Double in
            let date = CivilDate(dayNumber: firstDay + d)
            let weekday = (firstDay + d + 4) % 7  // 0 = Sunday for day number 0 = 1970-01-01 (a Thursday)
            return Self.monthVolume[date.month - 1] * (weekday == 0 || weekday == 6 ? 0.7 : 1.08)
        }
        let dayTable = AliasTable(dayWeights)
        func typeWeight(_ t: RequestType, month: Int) -> Double {
            switch t.season {
            case .winter: return [12, 1, 2, 3].contains(month) ? t.weight * 3 : 0
            case .summer: return (4...9).contains(month) ? t.weight * 1.6 : t.weight * 0.4
            case .yearRound: return t.weight
            }
        }
        let typeTables = (1...12).map { month in AliasTable(types.map { typeWeight($0, month: month) }) }
        let aboutAPlace = types.map { DedupDefaults.isAboutAPlace(serviceName: $0.name) }

        struct Draft { var seconds: Double; var type: Int; var place: Int; var dLon: Double; var dLat: Double; var parent: Int? }
        var drafts: [Draft] = []
        drafts.reserveCapacity(settings.requests)
        while drafts.count < settings.requests {
            let day = dayTable.draw(&rng)
            let month = CivilDate(dayNumber: firstDay + day).month
            let type = typeTables[month - 1].draw(&rng)
            // Reports come in by day: few at night, most from mid-morning to evening.
            let hour = Self.hourOfDay(&rng)
            let seconds = Double(day) * 86_400 + hour * 3_600
            let place = Int.random(in: 0..<places.count, using: &rng)
            let first = drafts.count
            drafts.append(Draft(seconds: seconds, type: type, place: place, dLon: 0, dLat: 0, parent: nil))
            guard aboutAPlace[type], Double.random(in: 0..<1, using: &rng) < settings.burstShare else { continue }
            // A burst: neighbours report the same thing within hours, at the door or a few
            // metres along the street.
            var repeats = 1
            while Double.random(in: 0..<1, using: &rng) > 1 / settings.meanRepeats { repeats += 1 }
            for _ in 0..<repeats where drafts.count < settings.requests {
                let later = seconds + Double.random(in: 300..<(8 * 3_600), using: &rng)
                let atTheDoor = Double.random(in: 0..<1, using: &rng) < 0.6
                let metres = atTheDoor ? 0 : Double.random(in: 5..<30, using: &rng)
                let angle = Double.random(in: 0..<(2 * .pi), using: &rng)
                let latitude = places[place].latitude
                drafts.append(Draft(seconds: later, type: type, place: place,
                                    dLon: metres * cos(angle) / (111_320 * cos(latitude * .pi / 180)),
                                    dLat: metres * sin(angle) / 110_540, parent: first))
            }
        }
        // In the order they came in; numbers follow that order, as a city's do.
        let order = drafts.indices.sorted { (drafts[$0].seconds, $0) < (drafts[$1].seconds, $1) }
        var number = [Int](repeating: 0, count: drafts.count)
        for (n, i) in order.enumerated() { number[i] = n + 1 }
        let yearTag = String(year % 100)

        return order.map { i in
            let d = drafts[i], t = types[d.type], p = places[d.place]
            let created = Self.timestamp(firstDay: firstDay, seconds: d.seconds)
            let openAtEnd = d.seconds >= Double(daysInYear - settings.openTailDays) * 86_400
            let closed = openAtEnd ? nil : Self.timestamp(firstDay: firstDay, seconds: d.seconds + Self.daysToClose(&rng) * 86_400)
            let status = openAtEnd ? "Open" : (d.parent == nil ? "Completed" : "Completed - Dup")
            let origin = ["Phone Call", "Phone Call", "Internet", "Mobile Device"][Int.random(in: 0..<4, using: &rng)]
            return [
                "SR\(yearTag)-\(Self.padded(number[i]))", t.name, t.code, t.department, status, origin, created, closed ?? created,
                closed ?? "", p.address, p.zip, String(p.latitude + d.dLat), String(p.longitude + d.dLon),
                d.parent == nil ? "False" : "True", d.parent.map { "SR\(yearTag)-\(Self.padded(number[$0]))" } ?? "",
            ]
        }
    }

    static func padded(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Hours after midnight: a mix of a daytime bulge and a thin night.
    static func hourOfDay(_ rng: inout SplitMix64) -> Double {
        if Double.random(in: 0..<1, using: &rng) < 0.12 { return Double.random(in: 0..<24, using: &rng) }
        let u = Double.random(in: 0..<1, using: &rng) + Double.random(in: 0..<1, using: &rng)  // triangular on 0..<2
        return 8 + u * 5.5  // 8:00 to 19:00, peaking at 13:30
    }

    /// Days until closed: most within a week, a long tail.
    static func daysToClose(_ rng: inout SplitMix64) -> Double {
        -log(1 - Double.random(in: 0..<0.999, using: &rng)) * 4
    }

    static func timestamp(firstDay: Int, seconds: Double) -> String {
        let whole = Int(seconds)
        let date = CivilDate(dayNumber: firstDay + whole / 86_400)
        let s = whole % 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(date)T\(two(s / 3_600)):\(two(s / 60 % 60)):\(two(s % 60))"
    }
}

/// Draws an index with probability proportional to its weight in constant time (Vose's alias
/// method): a year of a million draws over 365 days and 60 types.
struct AliasTable: Sendable {
    private var probability: [Double]
    private var alias: [Int]

    init(_ weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        precondition(n > 0 && total > 0, "weights must not all be zero")
        var scaled = weights.map { $0 * Double(n) / total }
        probability = [Double](repeating: 1, count: n)
        alias = Array(0..<n)
        var small = scaled.indices.filter { scaled[$0] < 1 }
        var large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.popLast() {
            probability[s] = scaled[s]
            alias[s] = l
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
    }

    func draw(_ rng: inout SplitMix64) -> Int {
        let i = Int.random(in: 0..<probability.count, using: &rng)
        return Double.random(in: 0..<1, using: &rng) < probability[i] ? i : alias[i]
    }
}
