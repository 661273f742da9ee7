//! The properties the mapping knows, and typed reading of their values with
//! a problem for each value that does not fit.

use forsyning_model::{
    AccuracyClass, DrawingMethod, Hazard, Kind, ModelError, PartialDate, Status, Theme,
};

use super::value::Value;
use crate::ler2::UnitPolicy;
use crate::mapping::Mapping;
use crate::problem::{Problem, Rule};

macro_rules! props {
    ($($variant:ident = $key:literal),+ $(,)?) => {
        /// The feature properties the mapping reads and writes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Prop { $($variant),+ }

        impl Prop {
            pub const ALL: [Prop; [$($key),+].len()] = [$(Prop::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $(Prop::$variant => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Prop> {
                match key { $($key => Some(Prop::$variant),)+ _ => None }
            }
        }
    };
}

props! {
    SourceId = "source_id",
    Class = "class",
    Theme = "theme",
    Kind = "kind",
    Status = "status",
    Hazard = "hazard",
    SafetyNote = "safety_note",
    AccuracyXy = "accuracy_xy",
    AccuracyZ = "accuracy_z",
    DrawingMethod = "drawing_method",
    DepthMm = "depth_mm",
    DiameterMm = "diameter_mm",
    VoltageKv = "voltage_kv",
    PressureBar = "pressure_bar",
    Material = "material",
    Installed = "installed",
    Heights = "heights",
}

/// The code lists of the model, parsed from an English code or a LER 2 term.
pub(crate) trait CodeList: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn parse(s: &str) -> Result<Self, ModelError>;
    fn code(self) -> &'static str;
}

macro_rules! code_lists {
    ($($t:ty),+) => {$(
        impl CodeList for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn parse(s: &str) -> Result<Self, ModelError> {
                <$t>::from_code(s).or_else(|_| <$t>::from_ler_term(s))
            }
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
        }
    )+};
}

code_lists!(Theme, Kind, Status, Hazard, AccuracyClass, DrawingMethod);

/// The longest piece of an offending value quoted in a message.
const QUOTE_CHARS: usize = 80;

pub(crate) fn quote(s: &str) -> String {
    let mut q: String = s.chars().take(QUOTE_CHARS).collect();
    if q.len() < s.len() {
        q.push('…');
    }
    format!("{q:?}")
}

/// Reads the properties of one feature, collecting problems.
pub(crate) struct Props<'m> {
    pub values: [Option<Value>; Prop::ALL.len()],
    pub problems: Vec<Problem>,
    pub mapping: &'m Mapping,
    /// Numbers may come as text (CSV cells, text columns of GDAL layers).
    pub text_numbers: bool,
}

impl<'m> Props<'m> {
    /// Properties read with `mapping`; its defaults fill absent values.
    pub fn new(
        mut values: [Option<Value>; Prop::ALL.len()],
        mapping: &'m Mapping,
        text_numbers: bool,
    ) -> Self {
        for p in Prop::ALL {
            let slot = &mut values[p as usize];
            let absent = match slot {
                None | Some(Value::Null) => true,
                Some(Value::Str(s)) => text_numbers && s.trim().is_empty(),
                Some(_) => false,
            };
            if absent {
                *slot = mapping.default_value(p).cloned();
            }
        }
        Self {
            values,
            problems: Vec::new(),
            mapping,
            text_numbers,
        }
    }

    /// Whether the property has a value (after defaults).
    pub fn has(&self, p: Prop) -> bool {
        self.values[p as usize]
            .as_ref()
            .is_some_and(|v| *v != Value::Null)
    }

    /// How messages name the property: `property "theme"`, `property "UTILITY" (theme)`.
    pub fn label(&self, p: Prop) -> String {
        format!("property {}", self.mapping.label(p))
    }

    /// The property's value; `null` counts as absent.
    pub fn take(&mut self, p: Prop) -> Option<Value> {
        self.values[p as usize].take().filter(|v| *v != Value::Null)
    }

    pub fn wrong_type(&mut self, p: Prop, v: &Value, expected: &str) {
        let found = match v {
            Value::Str(s) if self.text_numbers => format!("the text {}", quote(s)),
            v => v.describe(),
        };
        let message = format!("{} must be {expected}, not {found}", self.label(p));
        self.problems
            .push(Problem::error(Rule::MalformedInput, message));
    }

    pub fn string(&mut self, p: Prop) -> Option<String> {
        match self.take(p)? {
            Value::Str(s) => Some(s),
            Value::Num(n) if self.text_numbers => Some(n.to_string()),
            v => {
                self.wrong_type(p, &v, "a string");
                None
            }
        }
    }

    pub fn code<T: CodeList>(&mut self, p: Prop) -> Option<T> {
        let s = self.string(p)?;
        let code = self.mapping.translate(p, &s).unwrap_or(&s);
        T::parse(code)
            .map_err(|_| {
                let codes: Vec<_> = T::ALL.iter().map(|c| c.code()).collect();
                let table = self.mapping.source_values(p);
                let mapped = if table.is_empty() {
                    String::new()
                } else {
                    format!(" or a value of the mapping's table: {}", table.join(", "))
                };
                let message = format!(
                    "{}: unknown value {} (expected one of {} or its LER 2 term{mapped})",
                    self.label(p),
                    quote(&s),
                    codes.join(", ")
                );
                self.problems
                    .push(Problem::error(Rule::UnknownCodeValue, message));
            })
            .ok()
    }

    /// A number, as given (JSON number, or text where allowed).
    fn raw_number(&mut self, p: Prop, expected: &str) -> Option<(f64, Value)> {
        let v = self.take(p)?;
        let n = match &v {
            Value::Num(n) => n.as_f64(),
            Value::Str(s) if self.text_numbers => {
                s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
            }
            _ => None,
        };
        match n {
            Some(n) => Some((n, v)),
            None => {
                self.wrong_type(p, &v, expected);
                None
            }
        }
    }

    /// The value in the model's unit, by the mapping's `[units]` and unit policy.
    fn in_model_unit(&mut self, p: Prop, n: f64) -> Option<f64> {
        let Some(unit) = self.mapping.unit(p) else {
            return Some(n);
        };
        let ler_ok = unit.ler.is_empty() || unit.ler.contains(&unit.symbol.as_str());
        if ler_ok {
            return Some(n * unit.factor);
        }
        let label = self.label(p);
        match self.mapping.unit_policy() {
            UnitPolicy::Convert => {
                let message = format!(
                    "{}: {label} in {:?} was converted; LER 2 allows only {}",
                    unit.rule,
                    unit.symbol,
                    unit.ler.join(", ")
                );
                self.problems
                    .push(Problem::warning(Rule::UnitNotAllowed, message));
                Some(n * unit.factor)
            }
            _ => {
                let message = format!(
                    "{}: {label} is in {:?} by the mapping, which LER 2 does not allow (allowed: {}); unit_policy = \"convert\" in the mapping converts it with a warning",
                    unit.rule,
                    unit.symbol,
                    unit.ler.join(", ")
                );
                self.problems
                    .push(Problem::error(Rule::UnitNotAllowed, message));
                None
            }
        }
    }

    pub fn number(&mut self, p: Prop) -> Option<f64> {
        let (n, _) = self.raw_number(p, "a number")?;
        self.in_model_unit(p, n)
    }

    /// A whole number of 0..=u32::MAX; `1200.0` is accepted as 1200. With
    /// a unit conversion, the converted value is rounded to a whole number.
    pub fn whole(&mut self, p: Prop) -> Option<u32> {
        const EXPECTED: &str = "a whole number from 0 to 4294967295";
        let (n, v) = self.raw_number(p, EXPECTED)?;
        let whole = |f: f64| {
            (f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f)).then_some(f as u32)
        };
        let converted = self.mapping.unit(p).is_some();
        if whole(n).is_none() && !(converted && n >= 0.0) {
            self.wrong_type(p, &v, EXPECTED);
            return None;
        }
        let mm = self.in_model_unit(p, n)?;
        match whole(mm.round()) {
            Some(w) => Some(w),
            None => {
                self.wrong_type(p, &v, EXPECTED);
                None
            }
        }
    }

    pub fn date(&mut self, p: Prop) -> Option<PartialDate> {
        let s = self.string(p)?;
        s.parse()
            .map_err(|_| {
                let message = format!(
                    "{}: {} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
                    self.label(p),
                    quote(&s)
                );
                self.problems
                    .push(Problem::error(Rule::MalformedInput, message));
            })
            .ok()
    }

    /// A string or a number, as text (the GeoJSON `id` may be either).
    pub fn id(&mut self, p: Prop, v: Option<Value>) -> Option<String> {
        match v.filter(|v| *v != Value::Null)? {
            Value::Str(s) if self.text_numbers && s.trim().is_empty() => None,
            Value::Str(s) => Some(s),
            Value::Num(n) => Some(n.to_string()),
            v => {
                self.wrong_type(p, &v, "a string or a number");
                None
            }
        }
    }
}
