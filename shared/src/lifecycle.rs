//! The order lifecycle table: which status moves are allowed, for whom.
//!
//! One table for everyone: the order worker enforces it, and the owner bot
//! draws only the buttons it would accept.

use crate::domain::{OrderStatus, Role};

fn rank(status: OrderStatus) -> u8 {
    match status {
        OrderStatus::Pending => 0,
        OrderStatus::Accepted => 1,
        OrderStatus::Preparing => 2,
        OrderStatus::Ready => 3,
        OrderStatus::OutForDelivery => 4,
        OrderStatus::Completed => 5,
        OrderStatus::Rejected | OrderStatus::Cancelled => 6,
    }
}

/// The lifecycle table. `Ok(())` if `role` may move an order from `from` to
/// `to`; otherwise why not. Owners move orders forward (skipping steps is
/// allowed on a busy night); customers may only cancel a pending order.
pub fn check_transition(
    from: OrderStatus,
    to: OrderStatus,
    role: Role,
    delivery: bool,
) -> Result<(), String> {
    if from.is_final() {
        return Err(format!(
            "it is already {} and can't change any more",
            from.human()
        ));
    }
    if from == to {
        return Err(format!("it is already {}", from.human()));
    }
    match role {
        Role::Customer => match (from, to) {
            (OrderStatus::Pending, OrderStatus::Cancelled) => Ok(()),
            (_, OrderStatus::Cancelled) => Err(format!(
                "the shop has already {} it; please message the shop if you need to cancel",
                if from == OrderStatus::Accepted {
                    "accepted".to_owned()
                } else {
                    format!("marked it {}", from.human())
                }
            )),
            _ => Err("only the shop can change an order's status".to_owned()),
        },
        Role::Owner => match to {
            OrderStatus::Pending => Err("an order can't go back to pending".to_owned()),
            OrderStatus::Cancelled => Ok(()),
            OrderStatus::Accepted | OrderStatus::Rejected => {
                if from == OrderStatus::Pending {
                    Ok(())
                } else {
                    Err(format!("it was already accepted and is {}", from.human()))
                }
            }
            OrderStatus::OutForDelivery if !delivery => {
                Err("it is a pickup order, not a delivery".to_owned())
            }
            OrderStatus::Preparing
            | OrderStatus::Ready
            | OrderStatus::OutForDelivery
            | OrderStatus::Completed => {
                if from == OrderStatus::Pending {
                    Err("accept it first".to_owned())
                } else if rank(to) <= rank(from) {
                    Err(format!(
                        "it is already {}; orders only move forward",
                        from.human()
                    ))
                } else {
                    Ok(())
                }
            }
        },
    }
}

/// The moves an owner may make from `from`, in lifecycle order (the owner
/// bot's buttons). Empty for a final status.
pub fn owner_moves(from: OrderStatus, delivery: bool) -> Vec<OrderStatus> {
    [
        OrderStatus::Accepted,
        OrderStatus::Rejected,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ]
    .into_iter()
    .filter(|to| check_transition(from, *to, Role::Owner, delivery).is_ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_moves_follow_the_table() {
        use OrderStatus::*;
        assert_eq!(
            owner_moves(Pending, false),
            vec![Accepted, Rejected, Cancelled]
        );
        assert_eq!(
            owner_moves(Accepted, true),
            vec![Preparing, Ready, OutForDelivery, Completed, Cancelled]
        );
        assert_eq!(
            owner_moves(Accepted, false),
            vec![Preparing, Ready, Completed, Cancelled]
        );
        assert_eq!(owner_moves(Ready, false), vec![Completed, Cancelled]);
        for done in [Completed, Rejected, Cancelled] {
            assert!(owner_moves(done, true).is_empty());
        }
    }
}
