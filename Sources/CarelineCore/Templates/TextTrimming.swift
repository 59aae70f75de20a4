extension String {
    /// The text without leading and trailing white space (Unicode `White_Space`, line ends included).
    ///
    /// Foundation's `trimmingCharacters(in:)` bridges through NSString on Linux and costs microseconds per call;
    /// this returns the text itself when there is nothing to trim, which is nearly always, and is used on paths
    /// that run once per message.
    func trimmedWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "" }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return self }
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
