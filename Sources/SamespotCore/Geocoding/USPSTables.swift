/// Address vocabulary from USPS Publication 28 (Appendix C): street suffixes, directionals and
/// secondary unit designators, each spelling mapped to its standard abbreviation.
enum USPS {
    /// Every common spelling of a street suffix → its standard abbreviation (C1).
    static let streetSuffixes: [String: String] = {
        let groups: [(String, [String])] = [
            ("ALY", ["ALLEY", "ALLEE", "ALLY", "ALY"]), ("ANX", ["ANNEX", "ANEX", "ANNX", "ANX"]),
            ("ARC", ["ARCADE", "ARC"]), ("AVE", ["AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE", "AVE"]),
            ("BLVD", ["BOULEVARD", "BOUL", "BOULV", "BLVD", "BLV"]), ("BR", ["BRANCH", "BRNCH", "BR"]),
            ("BRG", ["BRIDGE", "BRDGE", "BRG"]), ("BYP", ["BYPASS", "BYPA", "BYPAS", "BYPS", "BYP"]),
            ("CIR", ["CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE", "CIR"]), ("CT", ["COURT", "CRT", "CT"]),
            ("CTR", ["CENTER", "CEN", "CENT", "CENTR", "CENTRE", "CNTER", "CNTR", "CTR"]),
            ("CRES", ["CRESCENT", "CRSENT", "CRSNT", "CRES"]), ("CV", ["COVE", "CV"]),
            ("DR", ["DRIVE", "DRIV", "DRV", "DR"]), ("EXPY", ["EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW", "EXPY"]),
            ("EXT", ["EXTENSION", "EXTN", "EXTNSN", "EXT"]), ("FWY", ["FREEWAY", "FREEWY", "FRWAY", "FRWY", "FWY"]),
            ("GDNS", ["GARDENS", "GDNS"]), ("GRV", ["GROVE", "GROV", "GRV"]), ("HTS", ["HEIGHTS", "HTS", "HT"]),
            ("HWY", ["HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY", "HWY"]), ("LN", ["LANE", "LN"]),
            ("LOOP", ["LOOP", "LOOPS"]), ("MALL", ["MALL"]), ("OVAL", ["OVAL", "OVL"]),
            ("PARK", ["PARK", "PRK"]), ("PKWY", ["PARKWAY", "PARKWY", "PKWAY", "PKY", "PKWY", "PARKWAYS", "PKWYS"]),
            ("PASS", ["PASS"]), ("PATH", ["PATH", "PATHS"]), ("PIKE", ["PIKE", "PIKES"]),
            ("PL", ["PLACE", "PL"]), ("PLZ", ["PLAZA", "PLZA", "PLZ"]), ("PT", ["POINT", "PT"]),
            ("RD", ["ROAD", "RD"]), ("RDS", ["ROADS", "RDS"]), ("ROW", ["ROW"]), ("RUN", ["RUN"]),
            ("SQ", ["SQUARE", "SQR", "SQRE", "SQU", "SQ"]), ("ST", ["STREET", "STRT", "STR", "ST"]),
            ("TER", ["TERRACE", "TERR", "TER"]), ("TRL", ["TRAIL", "TRAILS", "TRL", "TRLS"]),
            ("TPKE", ["TURNPIKE", "TRNPK", "TURNPK", "TPKE"]), ("WALK", ["WALK", "WALKS"]),
            ("WAY", ["WAY", "WY"]), ("XING", ["CROSSING", "CRSSNG", "XING"]),
        ]
        var table: [String: String] = [:]
        for (abbreviation, spellings) in groups {
            for spelling in spellings { table[spelling] = abbreviation }
        }
        return table
    }()

    /// Directionals, spelled out or abbreviated → N, S, E, W, NE, NW, SE, SW.
    static let directionals: [String: String] = [
        "N": "N", "NORTH": "N", "S": "S", "SOUTH": "S", "E": "E", "EAST": "E", "W": "W", "WEST": "W",
        "NE": "NE", "NORTHEAST": "NE", "NW": "NW", "NORTHWEST": "NW",
        "SE": "SE", "SOUTHEAST": "SE", "SW": "SW", "SOUTHWEST": "SW",
    ]

    /// Secondary unit designators (C2): what follows them is a unit, not part of the street.
    static let unitDesignators: Set<String> = [
        "APT", "APARTMENT", "UNIT", "STE", "SUITE", "FL", "FLR", "FLOOR", "RM", "ROOM", "BLDG", "BUILDING",
        "DEPT", "LOT", "SPC", "SPACE", "TRLR", "OFC", "OFFICE", "BSMT", "BASEMENT", "REAR", "FRNT", "FRONT",
        "#", "NO",
    ]

    /// Designators that stand alone, with no number after them.
    static let standaloneUnits: Set<String> = ["BSMT", "BASEMENT", "REAR", "FRNT", "FRONT", "LBBY", "LOBBY", "UPPR", "LOWR"]

    /// Ordinal words → numbers, for "sixty third" and "Fifth Ave".
    static let ordinalWords: [String: Int] = [
        "FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7, "EIGHTH": 8,
        "NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13, "FOURTEENTH": 14,
        "FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18, "NINETEENTH": 19,
        "TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50, "SIXTIETH": 60, "SEVENTIETH": 70,
        "EIGHTIETH": 80, "NINETIETH": 90, "HUNDREDTH": 100,
    ]

    /// Tens words that combine with an ordinal: "SIXTY" + "THIRD" → 63.
    static let tensWords: [String: Int] = [
        "TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90,
    ]

    /// "63" → "63RD", "11" → "11TH", "101" → "101ST".
    static func ordinal(_ n: Int) -> String {
        let lastTwo = n % 100
        if (11...13).contains(lastTwo) { return "\(n)TH" }
        switch n % 10 {
        case 1: return "\(n)ST"
        case 2: return "\(n)ND"
        case 3: return "\(n)RD"
        default: return "\(n)TH"
        }
    }
}
