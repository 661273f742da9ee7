//! INSPIRE US 4.0 network classes.

use forsyning_model::{Kind, Theme};

use crate::imkl::classes::{inspire_class, Class, Links, Own};

use Kind::{CableOrPipe, Component, Duct};

pub(crate) const CLASSES: &[Class] = &[
    inspire_class(
        "us-net-wa",
        "WaterPipe",
        CableOrPipe,
        Links,
        Some(Theme::Water),
    ),
    inspire_class(
        "us-net-sw",
        "SewerPipe",
        CableOrPipe,
        Links,
        Some(Theme::Sewer),
    ),
    inspire_class(
        "us-net-el",
        "ElectricityCable",
        CableOrPipe,
        Links,
        Some(Theme::Electricity),
    ),
    inspire_class(
        "us-net-tc",
        "TelecommunicationsCable",
        CableOrPipe,
        Links,
        Some(Theme::Telecom),
    ),
    inspire_class(
        "us-net-th",
        "ThermalPipe",
        CableOrPipe,
        Links,
        Some(Theme::DistrictHeating),
    ),
    inspire_class(
        "us-net-ogc",
        "OilGasChemicalsPipe",
        CableOrPipe,
        Links,
        None,
    ),
    inspire_class("us-net-common", "Pipe", CableOrPipe, Links, None),
    inspire_class("us-net-common", "Duct", Duct, Links, None),
    inspire_class("us-net-common", "Appurtenance", Component, Own, None),
    inspire_class("us-net-common", "Cabinet", Component, Own, None),
    inspire_class("us-net-common", "Manhole", Component, Own, None),
    inspire_class("us-net-common", "Pole", Component, Own, None),
    inspire_class("us-net-common", "Tower", Component, Own, None),
];
