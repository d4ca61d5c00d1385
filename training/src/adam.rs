//! Adam written over tch tensors, so its moments and step count can be saved and restored
//! exactly (tch 0.24's own optimiser exposes neither: TRAINING.md §2), with PyTorch's update
//! rule and global gradient-norm clipping that needs no host synchronisation.

use tch::{Kind, Tensor};

pub struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Steps taken (the bias corrections' exponent).
    pub step: i64,
    /// First and second moments, one per parameter, in parameter order.
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl Adam {
    pub fn new(params: &[(String, Tensor)], eps: f64) -> Adam {
        Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps,
            step: 0,
            m: params.iter().map(|p| p.1.zeros_like()).collect(),
            v: params.iter().map(|p| p.1.zeros_like()).collect(),
        }
    }

    /// Scales the gradients so their global L2 norm is at most `max_norm`; returns the norm
    /// before clipping (a 0-d tensor: reading it is the caller's choice).
    pub fn clip_grad_norm(params: &[(String, Tensor)], max_norm: f64) -> Tensor {
        let _guard = tch::no_grad_guard();
        let sq: Vec<Tensor> = params
            .iter()
            .map(|p| p.1.grad().pow_tensor_scalar(2).sum(Kind::Float))
            .collect();
        let norm = Tensor::stack(&sq, 0).sum(Kind::Float).sqrt();
        let coef = (max_norm / (&norm + 1e-6)).clamp_max(1.0);
        for p in params {
            let mut g = p.1.grad();
            let _ = g.g_mul_(&coef);
        }
        norm
    }

    /// One Adam step with learning rate `lr` (PyTorch's `torch.optim.Adam`, no weight decay).
    pub fn step(&mut self, params: &[(String, Tensor)], lr: f64) {
        let _guard = tch::no_grad_guard();
        self.step += 1;
        let bc1 = 1.0 - self.beta1.powi(self.step as i32);
        let bc2 = 1.0 - self.beta2.powi(self.step as i32);
        for ((p, m), v) in params.iter().zip(&mut self.m).zip(&mut self.v) {
            let g = p.1.grad();
            let _ = m.g_mul_scalar_(self.beta1);
            let _ = m.g_add_(&(&g * (1.0 - self.beta1)));
            let _ = v.g_mul_scalar_(self.beta2);
            let _ = v.g_add_(&(g.square() * (1.0 - self.beta2)));
            let denom = v.sqrt() / bc2.sqrt() + self.eps;
            let mut w = p.1.shallow_clone();
            let _ = w.g_sub_(&(m.shallow_clone() / denom * (lr / bc1)));
        }
    }

    pub fn zero_grad(params: &[(String, Tensor)]) {
        for p in params {
            let mut g = p.1.grad();
            if g.defined() {
                let _ = g.zero_();
            }
        }
    }
}
