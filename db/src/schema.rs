//! Diesel table definitions, matching `migrations/`.

diesel::table! {
    customers (id) {
        id -> Varchar,
        platform -> Varchar,
        external_id -> Varchar,
        display_name -> Nullable<Varchar>,
        phone -> Nullable<Varchar>,
        created_at -> Datetime,
    }
}

diesel::table! {
    catalog_items (sku) {
        sku -> Varchar,
        name -> Varchar,
        size -> Nullable<Varchar>,
        category -> Varchar,
        price_minor -> Bigint,
        currency -> Char,
        available -> Bool,
        updated_at -> Datetime,
    }
}

diesel::table! {
    order_numbers (id) {
        id -> Tinyint,
        next_number -> Bigint,
    }
}

diesel::table! {
    orders (id) {
        id -> Char,
        number -> Bigint,
        customer_id -> Varchar,
        customer_name -> Nullable<Varchar>,
        status -> Varchar,
        version -> Integer,
        fulfilment -> Varchar,
        address -> Nullable<Varchar>,
        note -> Nullable<Varchar>,
        total_minor -> Bigint,
        currency -> Char,
        placed_at -> Datetime,
        updated_at -> Datetime,
        promo_code -> Nullable<Varchar>,
        discount_minor -> Bigint,
        telegram_payment_charge_id -> Nullable<Varchar>,
        provider_payment_charge_id -> Nullable<Varchar>,
        scheduled_for -> Nullable<Datetime>,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Char,
        line_no -> Smallint,
        sku -> Varchar,
        name -> Varchar,
        quantity -> Integer,
        unit_price_minor -> Bigint,
        line_total_minor -> Bigint,
    }
}

diesel::table! {
    order_status_history (id) {
        id -> Bigint,
        order_id -> Char,
        from_status -> Nullable<Varchar>,
        to_status -> Varchar,
        actor_role -> Varchar,
        actor_id -> Varchar,
        reason -> Nullable<Varchar>,
        command_id -> Char,
        at -> Datetime,
    }
}

diesel::table! {
    order_messages (id) {
        id -> Bigint,
        order_id -> Char,
        from_role -> Varchar,
        from_id -> Varchar,
        body -> Text,
        command_id -> Char,
        at -> Datetime,
    }
}

diesel::table! {
    processed_commands (command_id) {
        command_id -> Char,
        command_type -> Varchar,
        outcome -> Varchar,
        order_id -> Nullable<Char>,
        processed_at -> Datetime,
    }
}

diesel::table! {
    outbox (id) {
        id -> Bigint,
        event_id -> Char,
        subject -> Varchar,
        payload -> Mediumblob,
        created_at -> Datetime,
    }
}

diesel::joinable!(order_lines -> orders (order_id));
diesel::allow_tables_to_appear_in_same_query!(
    customers,
    catalog_items,
    order_numbers,
    orders,
    order_lines,
    order_status_history,
    order_messages,
    processed_commands,
    outbox,
);

diesel::table! {
    model_runs (id) {
        id -> Bigint,
        trained_at -> Datetime,
        data_from -> Date,
        data_to -> Date,
        feature_version -> Varchar,
        model_path -> Varchar,
        train_seconds -> Double,
        model_wape -> Double,
        seasonal_naive_wape -> Double,
        mean_28d_wape -> Double,
        serving -> Varchar,
        note -> Text,
    }
}

diesel::table! {
    demand_forecasts (day, sku, hour) {
        day -> Date,
        sku -> Varchar,
        hour -> Tinyint,
        mean -> Double,
        p10 -> Double,
        p90 -> Double,
        predictor -> Varchar,
        model_run_id -> Nullable<Bigint>,
        created_at -> Datetime,
        actual -> Nullable<Integer>,
    }
}

diesel::table! {
    forecast_accuracy (day) {
        day -> Date,
        predictor -> Varchar,
        forecast_units -> Double,
        actual_units -> Bigint,
        item_day_wape -> Double,
        computed_at -> Datetime,
    }
}

diesel::table! {
    shop_pause (id) {
        id -> Tinyint,
        since -> Datetime,
        ends_at -> Nullable<Datetime>,
        reason -> Nullable<Varchar>,
        paused_by -> Varchar,
        command_id -> Char,
    }
}

diesel::table! {
    promo_codes (code) {
        code -> Varchar,
        kind -> Varchar,
        value -> Bigint,
        min_total_minor -> Nullable<Bigint>,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        max_uses -> Nullable<Unsigned<Integer>>,
        uses -> Unsigned<Integer>,
        once_per_customer -> Bool,
        enabled -> Bool,
        created_by -> Varchar,
        created_at -> Datetime,
        command_id -> Char,
    }
}

diesel::table! {
    promo_uses (order_id) {
        order_id -> Char,
        code -> Varchar,
        customer_id -> Varchar,
        once_key -> Nullable<Varchar>,
        discount_minor -> Bigint,
        used_at -> Datetime,
    }
}
