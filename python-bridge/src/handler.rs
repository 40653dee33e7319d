//! The server's `Handler`, implemented by calling the app in this core's interpreter.

use std::rc::Rc;

use crate::cpython::app::App;
use crate::cpython::interpreter::CoreInterpreter;
use server::{Handler, Request, ResponseWriter};

pub struct PythonHandler {
    pub interpreter: Rc<CoreInterpreter>,
    pub app: App,
}

impl Handler for PythonHandler {
    /// Index into the app's endpoint table.
    type Route = usize;

    fn handle(&self, route: &usize, request: Request, response: &mut ResponseWriter<'_>) {
        // Attach for the length of one request: other Python threads of this interpreter
        // (started by the app) get to run between requests and while the core waits for I/O.
        let attached = self.interpreter.attach();
        self.app.respond(&attached, *route, request, response);
    }
}
