import Foundation

/// An sRGB colour for drawing boxes and their labels.
public struct BoxColor: Sendable, Equatable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// From `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xff), green: UInt8((hex >> 8) & 0xff), blue: UInt8(hex & 0xff))
    }

    public static let black = BoxColor(red: 0, green: 0, blue: 0)
    public static let white = BoxColor(red: 255, green: 255, blue: 255)

    /// Class colours by class id, repeating: supervision's default palette, so boxes look as
    /// people who know that library expect. Class 0 (COCO's person) is its violet #A351FB, which
    /// stands out from streets, skin, foliage and sky alike.
    public static let palette: [BoxColor] = [
        0xA351FB, 0xFF4040, 0xFFA1A0, 0xFF7633, 0xFFB633, 0xD1D435, 0x4CFB12, 0x94CF1A, 0x40DE8A, 0x1B9640, 0x00D6C1,
        0x2E9CAA, 0x00C4FF, 0x364797, 0x6675FF, 0x0019EF, 0x863AFF, 0x530087, 0xCD3AFF, 0xFF97CA, 0xFF39C9,
    ].map(BoxColor.init(hex:))

    /// The palette's colour for a class id (negative ids wrap too).
    public static func forClass(_ classID: Int) -> BoxColor {
        let count = palette.count
        return palette[((classID % count) + count) % count]
    }

    /// The palette's colour for a track id, repeating: neighbouring ids, tracks often seen
    /// together, get the palette's neighbouring, distinct colours.
    public static func forTrack(_ trackID: Int64) -> BoxColor {
        let count = Int64(palette.count)
        return palette[Int(((trackID % count) + count) % count)]
    }

    /// WCAG 2's relative luminance, 0 (black) ... 1 (white).
    public var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let value = Double(channel) / 255
            return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Black or white, whichever has the higher WCAG contrast ratio against this colour:
    /// black from a luminance of about 0.18 up (the point where the two ratios are equal).
    public var textColor: BoxColor {
        let luminance = relativeLuminance
        let againstBlack = (luminance + 0.05) / 0.05
        let againstWhite = 1.05 / (luminance + 0.05)
        return againstBlack >= againstWhite ? .black : .white
    }

    public var description: String { String(format: "#%02X%02X%02X", red, green, blue) }

    /// (B, G, R), the frame's byte order.
    var bgr: (UInt8, UInt8, UInt8) { (blue, green, red) }
}
