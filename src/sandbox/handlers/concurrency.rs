//! Real-device concurrency.

use serde_json::json;

use super::{Handled, RoutedRequest, State, answer};
use crate::types;

pub(super) fn get_real_device(state: &mut State, _call: &RoutedRequest) -> Handled {
    let concurrency = json!({
        "organization": {
            "current": {"inUseDevices": 0},
            "maximum": {"allowedDevices": state.org.real_devices},
        }
    });
    answer(200, serde_json::from_value::<types::RealDeviceConcurrency>(concurrency).expect("an object"))
}
