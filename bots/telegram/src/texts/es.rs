//! Spanish (any `language_code` starting with "es": "es", "es-AR", "es-MX").
//! Neutral Spanish, addressing the customer as "tú".

use chatorder_shared::domain::{Money, OrderNumber, OrderStatus, Role};
use chatorder_shared::events::OrderSnapshot;
use chatorder_shared::hours::Tz;
use chatorder_shared::lifecycle::TransitionError;
use chatorder_shared::limits::{MAX_LINES, MAX_QTY};
use chatorder_shared::promo::{PromoCode, PromoProblem};
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::refusal::Refusal;
use chrono::{DateTime, Utc};

use super::{Lang, PricedLine, Texts, lines_text, priced_lines, quoted};
use crate::conversation::CartBack;
use crate::parse::{Choice, Prompt};

pub struct Spanish;

impl Texts for Spanish {
    fn lang(&self) -> Lang {
        Lang::Es
    }

    fn welcome(&self, name: &str, shop: &str) -> String {
        format!(
            "¡Hola {name}, te damos la bienvenida a {shop}!\n\nDime qué quieres, p. ej. \"2 hawaianas grandes y una vegetal pequeña\", o mira la carta con /menu.\nLuego /cart para revisarlo y /checkout para pedir. /help lo explica todo."
        )
    }

    fn help(&self) -> String {
        [
            "Esto es lo que puedo hacer:",
            "/menu – ver la carta y añadir productos",
            "O escribe tu pedido, p. ej. \"2 pepperoni grandes y una cinco quesos mediana\"",
            "/cart – ver y cambiar tu carrito",
            "/checkout – recogida o envío, y confirmar",
            "/promo CÓDIGO – usar un código promocional en tu próximo pedido",
            "/orders – tus últimos pedidos (y repetir uno)",
            "/status 1042 – dónde está el pedido #1042",
            "/cancel 1042 – cancelar el pedido #1042 mientras esté pendiente",
            "/edit 1042 – cambiar el pedido #1042 mientras esté pendiente",
            "/msg 1042 tu texto – escribir a la tienda sobre un pedido",
        ]
        .join("\n")
    }

    fn commands(&self) -> [(&'static str, &'static str); 9] {
        [
            ("menu", "Ver la carta"),
            ("cart", "Tu carrito"),
            ("checkout", "Pedir lo que hay en tu carrito"),
            ("orders", "Tus últimos pedidos"),
            ("status", "¿Dónde está mi pedido? /status 1042"),
            ("cancel", "Cancelar un pedido pendiente: /cancel 1042"),
            ("edit", "Cambiar un pedido pendiente: /edit 1042"),
            ("msg", "Escribir a la tienda: /msg 1042 texto"),
            ("help", "Lo que puedo hacer"),
        ]
    }

    fn menu_categories(&self) -> String {
        "Nuestra carta – elige una categoría:".into()
    }

    fn menu_items(&self, category: &str) -> String {
        format!("{category} – elige un producto:")
    }

    fn menu_sizes(&self, name: &str) -> String {
        format!("{name} – elige un tamaño para añadirlo a tu carrito:")
    }

    fn menu_add(&self) -> String {
        "Añadir".into()
    }

    fn menu_empty(&self) -> String {
        "La carta está vacía ahora mismo. Vuelve a intentarlo más tarde.".into()
    }

    fn menu_stale(&self) -> String {
        "La carta ha cambiado desde que se mostró ese botón. Aquí está de nuevo:".into()
    }

    fn added(&self, lines: &[String], total: &str) -> String {
        format!(
            "Añadido a tu carrito:\n{}\n\nTotal del carrito: {total}. /checkout cuando quieras pedir, /cart para cambiarlo.",
            lines.join("\n")
        )
    }

    fn capped(&self, added: u32, now: u32, name: &str) -> String {
        if added == 0 {
            format!("Ya tienes {now} × {name} en tu carrito, el máximo de un producto por pedido.")
        } else if added == now {
            format!(
                "Como mucho {MAX_QTY} de un producto por pedido: he puesto {now} × {name} en tu carrito."
            )
        } else {
            format!(
                "Como mucho {MAX_QTY} de un producto por pedido: he añadido {added}, así que tu carrito tiene {now} × {name}."
            )
        }
    }

    fn at_most_of_one(&self) -> String {
        format!("Como mucho {MAX_QTY} de un producto por pedido.")
    }

    fn cart_full(&self, name: &str) -> String {
        format!(
            "Tu carrito ya tiene {MAX_LINES} productos distintos, el máximo por pedido, así que no he añadido {name}. Quita uno en /cart para hacer sitio."
        )
    }

    fn not_understood(&self, fragments: &[String]) -> String {
        format!(
            "No he entendido {}. Usa los nombres de /menu, p. ej. \"2 hawaianas grandes\".",
            quoted(fragments)
        )
    }

    fn unavailable(&self, names: &[String]) -> String {
        format!("Lo siento, ahora no está disponible: {}.", names.join(", "))
    }

    fn nothing_found(&self) -> String {
        "No he encontrado nada que añadir. Escribe un pedido como \"2 hawaianas grandes\" o usa /menu."
            .into()
    }

    fn too_long(&self) -> String {
        "Ese mensaje es demasiado largo para leerlo como pedido. Envía uno más corto, por favor."
            .into()
    }

    fn slow_down(&self) -> String {
        "Me envías mensajes más rápido de lo que puedo leerlos, así que leeré el resto de uno en uno. Responderé a todo lo que envíes.".into()
    }

    fn cart_empty(&self) -> String {
        "Tu carrito está vacío. Escribe lo que quieras o mira la carta con /menu.".into()
    }

    fn cart(&self, lines: &[PricedLine], total: &str) -> String {
        format!("Tu carrito:\n{}\nTotal: {total}", priced_lines(lines))
    }

    fn cart_item_gone(&self, name: &str) -> String {
        format!("{name} ya no está en la carta y se ha quitado de tu carrito.")
    }

    fn prompt(&self, prompt: &Prompt) -> String {
        match prompt {
            Prompt::WhichSize { item } => format!("¿Qué tamaño de {item}?"),
            Prompt::NoSuchSize { item, size, sizes } => format!(
                "{item} no viene en {size}; viene en {}. ¿Cuál prefieres?",
                sizes.join(", ")
            ),
            Prompt::WhichOne { fragment } => format!("¿Cuál querías decir con \"{fragment}\"?"),
        }
    }

    fn choice(&self, choice: &Choice) -> String {
        match choice {
            Choice::Item { name, price } => format!("{name} — {}", self.lang().money(*price)),
            Choice::Sizes { name, sizes } => format!("{name} ({})", sizes.join(", ")),
        }
    }

    fn choose_fulfilment(&self) -> String {
        "¿Recogida o envío a domicilio?".into()
    }

    fn ask_address(&self) -> String {
        "¿Dónde lo entregamos? Envía la dirección en un solo mensaje.".into()
    }

    fn address_too_long(&self, max: usize) -> String {
        format!("Esa dirección es demasiado larga; que no pase de {max} caracteres, por favor.")
    }

    fn ask_note(&self) -> String {
        "Envía tu nota para la tienda (p. ej. \"sin cebolla\"), hasta 500 caracteres.".into()
    }

    fn note_too_long(&self, max: usize) -> String {
        format!("Esa nota es demasiado larga; que no pase de {max} caracteres, por favor.")
    }

    fn ask_phone(&self) -> String {
        "Para el envío necesitamos un teléfono: pulsa \"Compartir mi teléfono\" abajo.".into()
    }

    fn summary(
        &self,
        lines: &[PricedLine],
        total: &str,
        fulfilment: &str,
        note: Option<&str>,
        promo: Option<&PromoCode>,
    ) -> String {
        let mut out = format!("Revisa tu pedido:\n{}", priced_lines(lines));
        match promo {
            Some(code) => out.push_str(&format!(
                "\nTotal antes de tu código promocional: {total}\nCódigo promocional {code}: la tienda aplica su descuento cuando confirmes.\n{fulfilment}"
            )),
            None => out.push_str(&format!("\nTotal: {total}\n{fulfilment}")),
        }
        if let Some(note) = note {
            out.push_str(&format!("\nNota: {note}"));
        }
        out
    }

    fn pickup(&self) -> String {
        "Recogida en la tienda".into()
    }

    fn delivery_to(&self, address: &str) -> String {
        format!("Envío a: {address}")
    }

    fn sending(&self) -> String {
        "Enviando tu pedido a la tienda…".into()
    }

    fn already_sent(&self) -> String {
        "Ese pedido ya se envió; te avisaremos en cuanto la tienda lo tenga.".into()
    }

    fn checkout_expired(&self) -> String {
        "Ese pedido ya no está abierto. Escribe /checkout para empezar de nuevo.".into()
    }

    fn checkout_cancelled(&self) -> String {
        "Pedido cancelado; tu carrito sigue ahí (/cart).".into()
    }

    fn too_many_orders(&self, limit: u32) -> String {
        format!(
            "Has hecho {limit} pedidos en la última hora, que es nuestro límite. Vuelve a intentarlo un poco más tarde, o escribe a la tienda sobre un pedido que ya tengas."
        )
    }

    fn shop_unreachable(&self) -> String {
        "Lo siento, ahora no puedo contactar con la tienda. Vuelve a intentarlo en un minuto; no se ha perdido nada."
            .into()
    }

    fn usage_promo(&self) -> String {
        "Envía /promo y tu código, p. ej. /promo SUMMER10, para usarlo en tu próximo pedido.".into()
    }

    fn promo_noted(&self, code: &PromoCode) -> String {
        format!(
            "Código promocional {code} anotado: la tienda lo comprueba cuando confirmes tu pedido, y el descuento aparecerá en él. /promo off lo quita."
        )
    }

    fn promo_current(&self, code: &PromoCode) -> String {
        format!("Tu próximo pedido va con el código promocional {code}. /promo off lo quita.")
    }

    fn promo_removed(&self) -> String {
        "Tu próximo pedido no lleva código promocional.".into()
    }

    fn not_a_promo_code(&self) -> String {
        format!(
            "Eso no parece un código promocional: los códigos tienen de {} a {} letras o dígitos, p. ej. /promo SUMMER10.",
            PromoCode::MIN_LEN,
            PromoCode::MAX_LEN
        )
    }

    fn totals(&self, o: &OrderSnapshot) -> String {
        match &o.promo {
            Some(p) => format!(
                "Subtotal: {}\nCódigo promocional {}: −{}\nTotal: {}",
                self.money(o.subtotal_minor(), o.currency),
                p.code,
                self.money(p.discount_minor, o.currency),
                self.money(o.total_minor, o.currency)
            ),
            None => format!("Total: {}", self.money(o.total_minor, o.currency)),
        }
    }

    fn promo_refused(&self, code: &PromoCode, why: &PromoProblem) -> String {
        let day = |d: &chrono::NaiveDate| self.lang().day(*d);
        let what = match why {
            PromoProblem::Unknown => format!("no existe el código promocional {code}"),
            PromoProblem::Disabled => format!("el código promocional {code} ya no es válido"),
            PromoProblem::NotYet { from } => {
                format!(
                    "el código promocional {code} se puede usar a partir del {}",
                    day(from)
                )
            }
            PromoProblem::Expired { until } => {
                format!("el código promocional {code} terminó el {}", day(until))
            }
            PromoProblem::BelowMinimum { min } => format!(
                "el código promocional {code} requiere un pedido de al menos {}",
                self.lang().money(*min)
            ),
            PromoProblem::UsedUp => format!("el código promocional {code} se ha agotado"),
            PromoProblem::AlreadyUsed => format!(
                "el código promocional {code} es de un solo uso por cliente y ya lo has usado"
            ),
        };
        format!(
            "{what}, así que tu pedido no se ha hecho. Vuelve a pedir sin él (/promo off) o con otro código."
        )
    }

    fn invoice_title(&self, shop: &str) -> String {
        let title = format!("Tu pedido en {shop}");
        if title.chars().count() <= 32 {
            title
        } else {
            "Tu pedido".into()
        }
    }

    fn invoice_description(&self, items: usize, fulfilment: &str) -> String {
        let what = if items == 1 { "producto" } else { "productos" };
        format!("{items} {what}. {fulfilment}. Tu pedido llega a la tienda en cuanto lo pagues.")
    }

    fn invoice_promo(&self, code: &PromoCode, discount: &str) -> String {
        format!("Tu pedido, código promocional {code} (−{discount})")
    }

    fn invoice_preparing(&self) -> String {
        "Preparando tu cuenta…".into()
    }

    fn invoice_sent(&self) -> String {
        "Aquí tienes la factura: págala abajo y tu pedido irá a la tienda. ¿Has cambiado de idea? Basta con no pagarla.".into()
    }

    fn invoice_failed(&self) -> String {
        "Lo siento, ahora no he podido enviarte la factura. No se ha cobrado nada; vuelve a probar con /checkout dentro de un momento.".into()
    }

    fn invoice_too_large(&self) -> String {
        "Ese pedido es demasiado grande para pagarlo aquí. Hazlo un poco más pequeño, por favor."
            .into()
    }

    fn nothing_to_pay(&self) -> String {
        "Tu código promocional cubre todo el pedido, así que no hay nada que pagar. Enviando tu pedido a la tienda…".into()
    }

    fn pay_stale(&self) -> String {
        "Esta factura ya no está abierta. Vuelve a hacer el pedido para recibir una nueva.".into()
    }

    fn pay_cart_changed(&self) -> String {
        "Tu carrito ha cambiado desde que se hizo esta factura. Vuelve a hacer el pedido para recibir una nueva.".into()
    }

    fn pay_price_changed(&self) -> String {
        "Un precio del menú ha cambiado desde que se hizo esta factura. Vuelve a hacer el pedido para recibir una nueva.".into()
    }

    fn pay_unavailable(&self, name: &str) -> String {
        format!("{name} ya no está disponible. Vuelve a hacer el pedido, por favor.")
    }

    fn pay_already(&self) -> String {
        "Esta factura ya está pagada.".into()
    }

    fn pay_closed(&self) -> String {
        "Ahora mismo estamos cerrados, así que no podemos aceptar este pedido. No se ha cobrado nada.".into()
    }

    fn pay_unreachable(&self) -> String {
        "Ahora no hemos podido comprobar el menú. No se ha cobrado nada; vuelve a intentarlo dentro de un momento.".into()
    }

    fn paid_placing(&self) -> String {
        "¡Pago recibido, gracias! Enviando tu pedido a la tienda…".into()
    }

    fn paid_twice(&self) -> String {
        "Ya tenemos un pago para este pedido. Si te han cobrado dos veces, la tienda te lo devolverá; escríbele con /msg y el número de pedido.".into()
    }

    fn paid_lost(&self) -> String {
        "Hemos recibido tu pago, pero tu pedido ya no estaba conmigo, así que no se ha podido hacer. Hemos avisado a la tienda para que te devuelva el dinero.".into()
    }

    fn paid_unreachable(&self) -> String {
        "Hemos recibido tu pago, pero no hemos podido contactar con la tienda para hacer tu pedido. Escribe a la tienda, por favor; si el pedido no llega, te devolverán el dinero.".into()
    }

    fn refund_due(&self, paid: Money) -> String {
        format!("Te devolveremos tu pago de {}.", self.lang().money(paid))
    }

    fn rejected_paid(&self, refusal: &str, paid: Money) -> String {
        format!(
            "{refusal}\nTu pedido no se ha hecho. Hemos avisado a la tienda para que te devuelva tu pago de {}.",
            self.lang().money(paid)
        )
    }

    fn closed_now(&self, opens_at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String {
        capitalized(&closed(self, opens_at, now, tz))
    }

    fn closed_warning(&self, closed_now: &str) -> String {
        format!("{closed_now} Puedes ir llenando tu carrito y hacer el pedido cuando abramos.")
    }

    fn choose_time(&self, closed_now: &str) -> String {
        format!("{closed_now} Puedes hacer ya tu pedido para entonces: ¿para qué hora lo quieres?")
    }

    fn time_chosen(&self, when: &str) -> String {
        format!("Para {when}. ¿Recogida o envío?")
    }

    fn ready_for(&self, when: &str) -> String {
        format!("Para: {when}")
    }

    fn cart_back(&self, back: CartBack, lines: &[String]) -> String {
        match back {
            CartBack::Restored => {
                "Tu carrito ha vuelto tal como lo confirmaste: escribe /checkout para intentarlo de nuevo, o cámbialo antes."
                    .to_owned()
            }
            CartBack::Kept => format!(
                "Como has empezado otro carrito desde entonces, lo he dejado como está. El pedido que no he podido hacer tenía {}. Pulsa \"{}\" para añadir esos productos también a tu carrito.",
                lines.join(", "),
                self.btn_cart_back()
            ),
        }
    }

    fn cart_back_added_before(&self) -> String {
        "Ya añadí esos productos a tu carrito la primera vez que pulsaste; mira /cart.".into()
    }

    fn usage_status(&self) -> String {
        "¿Qué pedido? Por ejemplo: /status 1042".into()
    }

    fn usage_cancel(&self) -> String {
        "¿Qué pedido? Por ejemplo: /cancel 1042".into()
    }

    fn usage_msg(&self) -> String {
        "¿Qué pedido, y qué le digo a la tienda? Por ejemplo: /msg 1042 por favor, llamad al timbre"
            .into()
    }

    fn usage_edit(&self) -> String {
        "¿Qué pedido? Por ejemplo: /edit 1042".into()
    }

    fn editing(&self, n: OrderNumber) -> String {
        format!(
            "El pedido {n} está ahora en tu carrito. Cámbialo (escribe productos, o /cart para − y +) y luego /checkout para enviar el cambio."
        )
    }

    fn not_editable(&self, n: OrderNumber, status: OrderStatus) -> String {
        format!(
            "El pedido {n} ya está {}, así que ya no se puede cambiar. Puedes escribir a la tienda: /msg {} …",
            self.status_word(status),
            n.0
        )
    }

    fn confirm_edit(&self, n: OrderNumber, lines: &[PricedLine], total: &str) -> String {
        format!(
            "Cambiar el pedido {n} a:\n{}\nNuevo total: {total}",
            priced_lines(lines)
        )
    }

    fn cancel_requested(&self, n: OrderNumber) -> String {
        format!("Pidiendo a la tienda que cancele el pedido {n}…")
    }

    fn message_sent(&self, n: OrderNumber) -> String {
        format!("Enviado a la tienda sobre el pedido {n}. Su respuesta llegará aquí.")
    }

    fn no_orders(&self) -> String {
        "Aún no tienes pedidos. Escribe lo que quieras o mira la carta con /menu.".into()
    }

    fn orders_list(&self, orders: &[OrderSnapshot], tz: Tz) -> String {
        let mut out = String::from("Tus últimos pedidos:\n");
        for o in orders {
            out.push_str(&format!(
                "{} – {} – {} – {}\n",
                o.number,
                self.day_time(o.placed_at, tz),
                self.status_word(o.status),
                self.money(o.total_minor, o.currency)
            ));
        }
        out.push_str("\nPulsa un botón para repetir uno de ellos.");
        out
    }

    fn order_again_label(&self, n: OrderNumber) -> String {
        format!("Repetir el pedido {n}")
    }

    fn status_word(&self, s: OrderStatus) -> &'static str {
        match s {
            OrderStatus::Pending => "esperando a la tienda",
            OrderStatus::Accepted => "aceptado",
            OrderStatus::Rejected => "rechazado",
            OrderStatus::Preparing => "en preparación",
            OrderStatus::Ready => "listo",
            OrderStatus::OutForDelivery => "en reparto",
            OrderStatus::Completed => "completado",
            OrderStatus::Cancelled => "cancelado",
        }
    }

    fn order_details(&self, o: &OrderSnapshot) -> String {
        format!(
            "Pedido {}: {}\n{}\n{}",
            o.number,
            self.status_word(o.status),
            lines_text(&o.lines),
            self.totals(o)
        )
    }

    fn placed(&self, o: &OrderSnapshot, tz: Tz) -> String {
        let ready = o
            .scheduled_for
            .map(|at| format!("\n{}", self.ready_for(&self.day_time(at, tz))))
            .unwrap_or_default();
        format!(
            "¡Pedido {} recibido!\n{}\n{}{}{ready}\nTe avisaremos en cuanto la tienda lo acepte.",
            o.number,
            lines_text(&o.lines),
            self.totals(o),
            if o.payment.is_some() { " (pagado)" } else { "" }
        )
    }

    fn updated(&self, o: &OrderSnapshot) -> String {
        format!(
            "Pedido {} actualizado:\n{}\n{}",
            o.number,
            lines_text(&o.lines),
            self.totals(o)
        )
    }

    fn status_changed(&self, o: &OrderSnapshot, reason: Option<&str>) -> String {
        let n = o.number;
        let base = match o.status {
            OrderStatus::Accepted => {
                format!("Buenas noticias: la tienda ha aceptado el pedido {n}.")
            }
            OrderStatus::Rejected => {
                format!("Lo siento, la tienda no ha podido aceptar el pedido {n}.")
            }
            OrderStatus::Preparing => format!("El pedido {n} se está preparando."),
            OrderStatus::Ready => match o.fulfilment.address() {
                None => format!("¡El pedido {n} está listo para recoger!"),
                Some(_) => format!("El pedido {n} está listo y saldrá enseguida."),
            },
            OrderStatus::OutForDelivery => format!("El pedido {n} va de camino."),
            OrderStatus::Completed => {
                format!("El pedido {n} se ha completado. ¡Que aproveche, y gracias!")
            }
            other => format!("El pedido {n} está ahora {}.", self.status_word(other)),
        };
        match reason {
            Some(r) => format!("{base}\nMotivo: {r}"),
            None => base,
        }
    }

    fn cancelled(&self, o: &OrderSnapshot, by: Role, reason: Option<&str>) -> String {
        let base = match by {
            Role::Customer => format!("El pedido {} está cancelado, como pediste.", o.number),
            Role::Owner => format!("Lo siento, la tienda ha cancelado el pedido {}.", o.number),
        };
        match reason {
            Some(r) if by == Role::Owner => format!("{base}\nMotivo: {r}"),
            _ => base,
        }
    }

    fn rejected_command(&self, refusal: &Refusal, now: DateTime<Utc>, tz: Tz) -> String {
        use chatorder_shared::domain::truncate_for_display;
        use chatorder_shared::refusal::{EmptyText, Fault, Missing, TextField};
        let reason = match refusal {
            Refusal::NotAllowed => "eso no es algo que puedas hacer aquí.".to_owned(),
            Refusal::NotFound {
                missing: Missing::Order { number },
            } => format!(
                "no he encontrado el pedido {number}. Comprueba el número en tu lista de pedidos."
            ),
            Refusal::NotPending { number, status } => format!(
                "el pedido {number} ya está {}, así que ya no se puede cambiar. Puedes escribir a la tienda sobre él.",
                self.status_word(*status)
            ),
            Refusal::Stale { number, .. } => format!(
                "el pedido {number} ha cambiado mientras lo mirabas. Vuelve a mirarlo e inténtalo de nuevo."
            ),
            Refusal::Final { number, to, why } | Refusal::BadTransition { number, to, why } => {
                let why = transition(self, why);
                match to {
                    OrderStatus::Cancelled => {
                        format!("el pedido {number} no se puede cancelar: {why}.")
                    }
                    _ => format!("el pedido {number} no puede cambiar: {why}."),
                }
            }
            Refusal::Empty {
                what: EmptyText::Order,
            } => "tu pedido aún no tiene productos.".to_owned(),
            Refusal::Empty {
                what: EmptyText::Message,
            } => "tu mensaje está vacío.".to_owned(),
            Refusal::TooLong { field, len, max } => match field {
                TextField::Message => {
                    format!("tu mensaje tiene {len} caracteres; que no pase de {max}, o divídelo.")
                }
                TextField::Phone => "ese número de teléfono es demasiado largo.".to_owned(),
                TextField::Address => {
                    format!("esa dirección tiene {len} caracteres; que no pase de {max}.")
                }
                TextField::Note => format!("tu nota tiene {len} caracteres; que no pase de {max}."),
                TextField::Reason => {
                    format!("ese motivo tiene {len} caracteres; que no pase de {max}.")
                }
                TextField::ChargeId => {
                    "no se ha podido leer el recibo del pago de Telegram.".to_owned()
                }
            },
            Refusal::AddressRequired => "dinos dónde entregarlo.".to_owned(),
            Refusal::TooManyLines { lines, max } => format!(
                "un pedido puede tener como mucho {max} productos distintos; este tiene {lines}."
            ),
            Refusal::UnknownItem { sku } => format!(
                "no tenemos ningún producto llamado `{}`. Escribe /menu para ver lo que tenemos.",
                truncate_for_display(sku.as_str(), 40)
            ),
            Refusal::Unavailable { name, .. } => {
                format!("{name} no está disponible ahora mismo.")
            }
            Refusal::BadQuantity { name, qty, max } => {
                format!("puedes pedir entre 1 y {max} de cada producto; has pedido {qty} × {name}.")
            }
            Refusal::TooLarge => {
                "ese pedido es demasiado grande para calcular su precio.".to_owned()
            }
            Refusal::Internal {
                fault: Fault::NoOrderNumber,
            } => "no había ningún número de pedido disponible; inténtalo de nuevo.".to_owned(),
            Refusal::Internal {
                fault: Fault::WrongCurrency { name, item, .. },
            } => format!("{name} tiene precio en {item}, no en la moneda de la tienda."),
            Refusal::Closed { opens_at: Some(at) } => format!(
                "{} Haz tu pedido entonces.",
                closed(self, Some(*at), now, tz)
            ),
            Refusal::Closed { opens_at: None } => closed(self, None, now, tz),
            Refusal::BadTime {
                at,
                from: Some(from),
                until: Some(until),
            } => format!(
                "no podemos tener un pedido listo {}. Elige una hora desde {} hasta {}.",
                self.when(*at, now, tz),
                self.when(*from, now, tz),
                self.when(*until, now, tz)
            ),
            Refusal::BadTime { .. } => closed(self, None, now, tz),
            Refusal::Paused { reason, until } => {
                let why = reason
                    .as_deref()
                    .map(|r| format!(" ({})", truncate_for_display(r, 200)))
                    .unwrap_or_default();
                match until {
                    Some(at) => format!(
                        "ahora mismo no aceptamos pedidos{why}. Esperamos volver a aceptarlos {}.",
                        self.when(*at, now, tz)
                    ),
                    None => format!(
                        "ahora mismo no aceptamos pedidos{why}. Vuelve a intentarlo un poco más tarde."
                    ),
                }
            }
            Refusal::PaymentMismatch {
                paid_minor,
                paid_currency,
                total_minor,
                currency,
            } => format!(
                "has pagado {}, pero tu pedido ahora cuesta {} (ha cambiado un precio o tu código promocional).",
                self.money(*paid_minor, *paid_currency),
                self.money(*total_minor, *currency)
            ),
            Refusal::Paid { number } => format!(
                "el pedido {number} ya está pagado, así que sus productos no pueden cambiar. Cancélalo con /cancel {} (te devolveremos el dinero) y vuelve a pedir.",
                number.0
            ),
            Refusal::Promo { promo, why } => self.promo_refused(promo, why),
            _ => "la tienda no ha podido hacerlo. Vuelve a intentarlo, o escribe a la tienda."
                .to_owned(),
        };
        format!("Lo siento: {reason}")
    }

    fn query_refused(&self, refusal: &QueryRefusal) -> String {
        match refusal {
            QueryRefusal::NotFound { number } => format!("No he encontrado el pedido {number}."),
            QueryRefusal::NotOwner => "Solo los dueños de la tienda pueden verlo.".to_owned(),
            QueryRefusal::CustomersOnly => {
                "Solo un cliente puede ver la lista de sus pedidos.".to_owned()
            }
            QueryRefusal::Unavailable => {
                "La tienda no puede consultarlo ahora mismo; vuelve a intentarlo en un minuto."
                    .to_owned()
            }
            QueryRefusal::UnknownQuery { subject } => {
                format!("`{subject}` no es una consulta que este servicio responda")
            }
            QueryRefusal::TooLarge { .. } => "Esa petición es demasiado grande.".to_owned(),
            QueryRefusal::BadRequest { detail } => {
                format!("No se ha podido leer esa petición: {detail}")
            }
            _ => "La tienda no ha podido responder. Vuelve a intentarlo en un minuto.".to_owned(),
        }
    }

    fn shop_message(&self, n: OrderNumber, text: &str) -> String {
        format!("Mensaje de la tienda sobre el pedido {n}:\n{text}")
    }

    fn unknown_command(&self) -> String {
        "No conozco ese comando. /help muestra lo que puedo hacer.".into()
    }

    fn not_text(&self) -> String {
        "Solo puedo leer mensajes de texto. Escribe tu pedido o usa /menu.".into()
    }

    fn button_stale(&self) -> String {
        "Ese botón ya no es válido.".into()
    }

    fn btn_pickup(&self) -> String {
        "Recogida".into()
    }
    fn btn_delivery(&self) -> String {
        "Envío".into()
    }
    fn btn_cart_back(&self) -> String {
        "Añadirlos a mi carrito".into()
    }
    fn btn_confirm(&self) -> String {
        "Confirmar pedido".into()
    }
    fn btn_confirm_edit(&self) -> String {
        "Confirmar el cambio".into()
    }
    fn btn_cancel(&self) -> String {
        "Cancelar".into()
    }
    fn btn_note(&self) -> String {
        "Añadir una nota".into()
    }
    fn btn_checkout(&self) -> String {
        "Pedir".into()
    }
    fn btn_clear(&self) -> String {
        "Vaciar carrito".into()
    }
    fn btn_share_phone(&self) -> String {
        "Compartir mi teléfono".into()
    }
    fn btn_back(&self) -> String {
        "« Volver".into()
    }
}

/// Why an order cannot move, in Spanish (the shared `TransitionError`
/// reads English).
fn transition(t: &Spanish, why: &TransitionError) -> String {
    match why {
        TransitionError::Final { from } => {
            format!("ya está {} y no puede cambiar más", t.status_word(*from))
        }
        TransitionError::Unchanged { from } => format!("ya está {}", t.status_word(*from)),
        TransitionError::ShopHasIt { from } => format!(
            "la tienda ya lo ha marcado como {}; escribe a la tienda si necesitas cancelarlo",
            t.status_word(*from)
        ),
        TransitionError::OnlyTheShop => {
            "solo la tienda puede cambiar el estado de un pedido".to_owned()
        }
        TransitionError::NoGoingBack => "un pedido no puede volver a pendiente".to_owned(),
        TransitionError::AlreadyDecided { from } => {
            format!("ya se aceptó y está {}", t.status_word(*from))
        }
        TransitionError::NotDelivery => "es un pedido para recoger, no de envío".to_owned(),
        TransitionError::AcceptFirst => "primero hay que aceptarlo".to_owned(),
        TransitionError::OnlyForward { from } => {
            format!("ya está {}; los pedidos solo avanzan", t.status_word(*from))
        }
        _ => "ese cambio no está permitido".to_owned(),
    }
}

/// That the shop is closed and when it opens, starting in lower case (it
/// follows "Lo siento:" in a refusal; [`Texts::closed_now`] capitalises it).
fn closed(t: &Spanish, opens_at: Option<DateTime<Utc>>, now: DateTime<Utc>, tz: Tz) -> String {
    match opens_at {
        Some(at) => format!(
            "ahora estamos cerrados; volvemos a abrir {}.",
            t.when(at, now, tz)
        ),
        None => "estamos cerrados y aún no hay prevista ninguna apertura.".to_owned(),
    }
}

/// The sentence with its first letter in upper case.
fn capitalized(sentence: &str) -> String {
    let mut chars = sentence.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
