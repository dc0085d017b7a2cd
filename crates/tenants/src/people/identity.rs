//! Swedish identity numbers: personnummer and samordningsnummer.
//!
//! Parsed and validated here instead of through the `personnummer` crate,
//! because that crate rejects samordningsnummer, which social services must
//! accept for people who are not (yet) population-registered.

use std::fmt;

/// Which kind of number a person was identified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Personnummer,
    Samordningsnummer,
}

/// A validated Swedish identity number, stored canonically as 12 digits
/// "YYYYMMDDNNNC" (for samordningsnummer the day is stored +60, as issued).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwedishId {
    canonical: String,
    samordning: bool,
    /// Real birth date as far as the number tells it (day already reduced by 60 for samordningsnummer).
    birth: BirthParts,
}

/// A birth date as (year, month, day); a samordningsnummer may leave the month (`00`) and/or the day
/// (`60`) unknown, so those are optional.
pub type BirthParts = (i32, Option<u32>, Option<u32>);

/// Why an input could not be accepted as a Swedish identity number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// Wrong length, non-digit characters or a misplaced/unknown separator.
    InvalidFormat,
    /// Not a real calendar date (or a year before 1800).
    InvalidDate,
    /// The Luhn control digit does not match.
    InvalidChecksum,
    /// The birth date lies after the reference date.
    BirthDateInFuture,
    /// Serial number "000" is never issued.
    InvalidSerial,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            Self::InvalidFormat => "wrong length / format",
            Self::InvalidDate => "invalid date",
            Self::InvalidChecksum => "checksum (Luhn) digit is wrong",
            Self::BirthDateInFuture => "birth date is in the future",
            Self::InvalidSerial => "serial number 000 is not valid",
        };
        f.write_str(msg)
    }
}

impl std::error::Error for IdentityError {}

impl SwedishId {
    /// Parse with a reference date `today` given as (year, month, day) used
    /// to infer the century of 10-digit numbers and to reject future dates.
    ///
    /// # Errors
    /// Returns an [`IdentityError`] describing the first problem found:
    /// format, date, future birth date, serial 000, then checksum.
    pub fn parse(input: &str, today: (i32, u32, u32)) -> Result<SwedishId, IdentityError> {
        let (digits, sep) = split_input(input.trim())?;

        // 12 digits carry an explicit century; 10 digits need it inferred.
        let (year_part, rest) = digits.split_at(digits.len() - 8);
        let month_field = number(&rest[0..2]);
        let day_field = number(&rest[2..4]);
        let serial = &rest[4..7];

        // Samordningsnummer are issued with day + 60, so 60..=91 marks them; Skatteverket writes an
        // unknown day as 00 + 60 and an unknown month as 00 (only in samordningsnummer).
        let (samordning, day) = match day_field {
            1..=31 => (false, Some(day_field)),
            60 => (true, None),
            61..=91 => (true, Some(day_field - 60)),
            _ => return Err(IdentityError::InvalidDate),
        };
        let month = match month_field {
            0 if samordning => None,
            1..=12 => Some(month_field),
            _ => return Err(IdentityError::InvalidDate),
        };
        // The earliest date the birth can be: what decides the century and whether it lies in the future.
        let earliest = (month.unwrap_or(1), day.unwrap_or(1));

        let year = if year_part.len() == 4 {
            // '+' means "100 years or older", meaningless with an explicit century.
            if sep == Some('+') {
                return Err(IdentityError::InvalidFormat);
            }
            year_number(year_part)
        } else {
            infer_year(year_number(year_part), earliest.0, earliest.1, sep == Some('+'), today)
        };

        // Year capped at 9999 so the canonical form stays exactly 12 digits. A day without its month
        // is any month's (at most 31, checked above).
        let real_day = match (month, day) {
            (Some(month), Some(day)) => day <= days_in_month(year, month),
            _ => true,
        };
        if !(1800..=9999).contains(&year) || !real_day {
            return Err(IdentityError::InvalidDate);
        }
        if (year, earliest.0, earliest.1) > today {
            return Err(IdentityError::BirthDateInFuture);
        }
        if serial == "000" {
            return Err(IdentityError::InvalidSerial);
        }
        // Luhn covers YYMMDDNNN only; the century is not part of the checksum.
        let short = &digits[digits.len() - 10..];
        if luhn_check_digit(&short[..9]) != number(&short[9..]) {
            return Err(IdentityError::InvalidChecksum);
        }

        Ok(SwedishId { canonical: format!("{year:04}{rest}"), samordning, birth: (year, month, day) })
    }

    #[must_use]
    pub fn kind(&self) -> IdentityKind {
        if self.samordning { IdentityKind::Samordningsnummer } else { IdentityKind::Personnummer }
    }

    #[must_use]
    /// "YYYYMMDDNNNC", 12 digits.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    #[must_use]
    /// "YYYYMMDD-NNNC".
    pub fn formatted(&self) -> String {
        let (date, tail) = self.canonical.split_at(8);
        format!("{date}-{tail}")
    }

    #[must_use]
    /// Real birth date as far as known (day - 60 for samordningsnummer; month or day None when the
    /// samordningsnummer leaves it unknown).
    pub fn birth_date(&self) -> BirthParts {
        self.birth
    }

    #[must_use]
    /// Second-to-last digit even means woman (used for statistics only).
    pub fn is_woman(&self) -> bool {
        // ASCII '0' is 48 (even), so the byte's parity equals the digit's parity.
        self.canonical.as_bytes().get(10).is_some_and(|b| b % 2 == 0)
    }

    #[must_use]
    /// "YYYYMMDD-****": date part kept as issued, last four digits hidden.
    pub fn masked(&self) -> String {
        let (date, _) = self.canonical.split_at(8);
        format!("{date}-****")
    }
}

impl fmt::Display for SwedishId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

/// Split a trimmed input into its bare digits (10 or 12) and optional
/// separator, which must sit right before the last four digits.
fn split_input(s: &str) -> Result<(String, Option<char>), IdentityError> {
    // Reject non-ASCII up front so byte-based slicing below is always safe.
    if !s.is_ascii() {
        return Err(IdentityError::InvalidFormat);
    }
    let (digits, sep) = match s.len() {
        10 | 12 => (s.to_string(), None),
        11 | 13 => {
            let (head, tail) = s.split_at(s.len() - 5);
            let (sep, last4) = tail.split_at(1);
            match sep {
                "-" | "+" => (format!("{head}{last4}"), sep.chars().next()),
                _ => return Err(IdentityError::InvalidFormat),
            }
        }
        _ => return Err(IdentityError::InvalidFormat),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentityError::InvalidFormat);
    }
    Ok((digits, sep))
}

/// Latest year ending in `yy` whose birth date is not after `today`;
/// '+' marks a centenarian, so go back one more century.
fn infer_year(yy: i32, month: u32, day: u32, plus: bool, today: (i32, u32, u32)) -> i32 {
    let mut year = today.0 - (today.0 - yy).rem_euclid(100);
    if (year, month, day) > today {
        year -= 100;
    }
    if plus {
        year -= 100;
    }
    year
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Decimal value of an all-ASCII-digit string (callers validated digits).
fn number(digits: &str) -> u32 {
    digits.bytes().fold(0, |acc, b| acc * 10 + u32::from(b.saturating_sub(b'0')))
}

/// Year digits (at most 4, so always fits in i32).
fn year_number(digits: &str) -> i32 {
    i32::try_from(number(digits)).unwrap_or(i32::MAX)
}

/// Luhn control digit: weights 2,1,2,1,... from the left, products >= 10
/// contribute their digit sum; C = (10 - sum % 10) % 10.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let p = u32::from(b.saturating_sub(b'0')) * if i % 2 == 0 { 2 } else { 1 };
            if p >= 10 { p - 9 } else { p }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TODAY: (i32, u32, u32) = (2026, 11, 23);

    /// Independent Luhn (digit-sum by division, not p - 9) for test data.
    fn luhn(nine: &str) -> u32 {
        let mut sum = 0;
        for (i, c) in nine.chars().enumerate() {
            let mut p = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
            while p > 0 {
                sum += p % 10;
                p /= 10;
            }
        }
        (10 - sum % 10) % 10
    }

    /// Append the correct check digit to an input missing only its last digit.
    fn with_check(prefix: &str) -> String {
        let digits: String = prefix.chars().filter(char::is_ascii_digit).collect();
        format!("{prefix}{}", luhn(&digits[digits.len() - 9..]))
    }

    fn parse(s: &str) -> Result<SwedishId, IdentityError> {
        SwedishId::parse(s, TODAY)
    }

    #[test]
    fn helper_matches_known_public_numbers() {
        assert_eq!(with_check("19121212-121"), "19121212-1212");
        assert_eq!(with_check("811218-987"), "811218-9876");
        assert_eq!(with_check("19900101-001"), "19900101-0017");
        assert_eq!(with_check("19701063-239"), "19701063-2391");
        // Also cross-check against the production implementation.
        assert_eq!(luhn_check_digit("121212121"), 2);
        assert_eq!(luhn_check_digit("811218987"), 6);
    }

    #[test]
    fn valid_cases() {
        let cases: Vec<(String, &str)> = vec![
            ("19121212-1212".into(), "19121212121"),
            ("191212121212".into(), "19121212121"),
            ("121212-1212".into(), "20121212121"),
            ("1212121212".into(), "20121212121"),
            ("121212+1212".into(), "19121212121"),
            ("811218-9876".into(), "19811218987"),
            ("8112189876".into(), "19811218987"),
            ("19900101-0017".into(), "19900101001"),
            ("  19900101-0017\t\n".into(), "19900101001"),
            ("19701063-2391".into(), "19701063239"),
            ("7010632391".into(), "19701063239"),
            (with_check("20000229-123"), "20000229123"),
            (with_check("20240229-123"), "20240229123"),
            (with_check("20000289-123"), "20000289123"),
            (with_check("261123-123"), "20261123123"),
            (with_check("261124-123"), "19261124123"),
            (with_check("261231-123"), "19261231123"),
            (with_check("20261123-123"), "20261123123"),
            (with_check("261123+123"), "19261123123"),
            (with_check("261124+123"), "18261124123"),
            (with_check("250101+123"), "19250101123"),
            (with_check("040229+123"), "19040229123"),
            (with_check("18000101-123"), "18000101123"),
            (with_check("19700161-123"), "19700161123"),
            (with_check("19700191-123"), "19700191123"),
            (with_check("000101-001"), "20000101001"),
            (with_check("19991231-999"), "19991231999"),
        ];
        assert!(cases.len() >= 25);
        for (input, canonical) in &cases {
            let id = parse(input).unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
            // Expected canonical is given without its check digit, taken from the input.
            let check = input.trim().chars().last().unwrap();
            assert_eq!(id.canonical(), format!("{canonical}{check}"), "input {input:?}");
            // Same number with a wrong control digit must fail the checksum.
            let mut bad = input.trim().to_string();
            let last = bad.pop().unwrap().to_digit(10).unwrap();
            bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
            assert_eq!(parse(&bad), Err(IdentityError::InvalidChecksum), "{bad:?}");
        }
    }

    #[test]
    fn invalid_cases() {
        use IdentityError::*;
        let cases: Vec<(String, IdentityError)> = vec![
            (String::new(), InvalidFormat),
            ("   ".into(), InvalidFormat),
            ("19121212-121".into(), InvalidFormat),
            ("19121212-12123".into(), InvalidFormat),
            ("1912121212123".into(), InvalidFormat),
            ("19121212+1212".into(), InvalidFormat),
            ("1912121a-1212".into(), InvalidFormat),
            ("abcdefghij".into(), InvalidFormat),
            ("19121212 1212".into(), InvalidFormat),
            ("121212--1212".into(), InvalidFormat),
            ("1912-12121212".into(), InvalidFormat),
            ("19121212\u{2013}1212".into(), InvalidFormat),
            ("\u{661}\u{669}\u{661}\u{662}\u{661}\u{662}\u{661}\u{662}\u{661}\u{662}".into(), InvalidFormat),
            ("19121212-1212x".into(), InvalidFormat),
            ("+1212121212".into(), InvalidFormat),
            ("19121212-1213".into(), InvalidChecksum),
            ("811218-9875".into(), InvalidChecksum),
            ("19701063-2392".into(), InvalidChecksum),
            (with_check("19000229-123"), InvalidDate),
            (with_check("20230229-123"), InvalidDate),
            (with_check("000229+123"), InvalidDate),
            (with_check("19901301-123"), InvalidDate),
            (with_check("19900001-123"), InvalidDate),
            (with_check("19900100-123"), InvalidDate),
            (with_check("19900132-123"), InvalidDate),
            (with_check("19900150-123"), InvalidDate),
            (with_check("19900159-123"), InvalidDate),
            (with_check("19901360-123"), InvalidDate),
            (with_check("19900092-123"), InvalidDate),
            (with_check("20230290-123"), InvalidDate),
            (with_check("19000289-123"), InvalidDate),
            (with_check("19900012-123"), InvalidDate),
            (with_check("19900500-123"), InvalidDate),
            (with_check("19900000-123"), InvalidDate),
            (with_check("20270060-123"), BirthDateInFuture),
            (with_check("20261260-123"), BirthDateInFuture),
            (with_check("19900192-123"), InvalidDate),
            (with_check("19900431-123"), InvalidDate),
            (with_check("19900491-123"), InvalidDate),
            (with_check("17991231-123"), InvalidDate),
            (with_check("20261124-123"), BirthDateInFuture),
            (with_check("20270101-123"), BirthDateInFuture),
            (with_check("19900101-000"), InvalidSerial),
            (with_check("900101-000"), InvalidSerial),
        ];
        assert!(cases.len() >= 25);
        for (input, err) in &cases {
            assert_eq!(parse(input), Err(err.clone()), "input {input:?}");
        }
    }

    #[test]
    fn outputs_and_kind() {
        let id = parse("811218-9876").unwrap();
        assert_eq!(id.kind(), IdentityKind::Personnummer);
        assert_eq!(id.canonical(), "198112189876");
        assert_eq!(id.formatted(), "19811218-9876");
        assert_eq!(id.to_string(), "19811218-9876");
        assert_eq!(id.masked(), "19811218-****");
        assert_eq!(id.birth_date(), (1981, Some(12), Some(18)));
        assert_eq!(id, parse("19811218-9876").unwrap());

        let s = parse("7010632391").unwrap();
        assert_eq!(s.kind(), IdentityKind::Samordningsnummer);
        assert_eq!(s.canonical(), "197010632391");
        assert_eq!(s.formatted(), "19701063-2391");
        assert_eq!(s.masked(), "19701063-****");
        assert_eq!(s.birth_date(), (1970, Some(10), Some(3)));
    }

    #[test]
    fn samordningsnummer_with_an_incomplete_birth_date() {
        // (input without check digit, canonical without check digit, birth date as far as known)
        let cases: [(&str, &str, BirthParts); 9] = [
            ("19900060-123", "19900060123", (1990, None, None)),
            ("19900560-123", "19900560123", (1990, Some(5), None)),
            ("19900065-123", "19900065123", (1990, None, Some(5))),
            ("19900091-123", "19900091123", (1990, None, Some(31))),
            ("20000260-123", "20000260123", (2000, Some(2), None)),
            ("900060-123", "19900060123", (1990, None, None)),
            // The earliest possible date decides the century: 2026 has begun, December 2026 has not.
            ("260060-123", "20260060123", (2026, None, None)),
            ("261260-123", "19261260123", (1926, Some(12), None)),
            ("20261160-123", "20261160123", (2026, Some(11), None)),
        ];
        for (input, canonical, birth) in cases {
            let input = with_check(input);
            let id = parse(&input).unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
            assert_eq!(id.kind(), IdentityKind::Samordningsnummer, "{input}");
            assert_eq!(&id.canonical()[..11], canonical, "{input}");
            assert_eq!(id.birth_date(), birth, "{input}");
            let mut bad = input.clone();
            let last = bad.pop().unwrap().to_digit(10).unwrap();
            bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
            assert_eq!(parse(&bad), Err(IdentityError::InvalidChecksum), "Luhn still checked: {bad:?}");
        }
        // Sex still follows the second-to-last digit.
        assert!(parse(&with_check("19900060-122")).unwrap().is_woman());
        assert!(!parse(&with_check("19900060-131")).unwrap().is_woman());
    }

    #[test]
    fn sex_digit() {
        // The second-to-last digit decides: '1' and '7' odd, '2' and '0' even.
        assert!(!parse("19121212-1212").unwrap().is_woman());
        assert!(!parse("811218-9876").unwrap().is_woman());
        assert!(parse(&with_check("19900101-002")).unwrap().is_woman());
        assert!(parse(&with_check("19701063-230")).unwrap().is_woman());
        assert!(!parse("19701063-2391").unwrap().is_woman());
    }

    #[test]
    fn errors_display_and_are_std_errors() {
        let e: &dyn std::error::Error = &IdentityError::InvalidChecksum;
        assert_eq!(e.to_string(), "checksum (Luhn) digit is wrong");
        assert_eq!(IdentityError::InvalidFormat.to_string(), "wrong length / format");
        assert_eq!(IdentityError::InvalidDate.to_string(), "invalid date");
        assert_eq!(IdentityError::BirthDateInFuture.to_string(), "birth date is in the future");
    }
}
